import { invalidLoginRequest } from "../errors";
import type { BasicCredentials } from "./basic-credentials";

/**
 * The form of a token login (POST /tenant/oauth and /tenant/oauth/token, docs/api.md#token-login):
 * `grant_type=PASSWORD&username=U&password=P`, optionally `tfa_code`. The tenant comes
 * from `?tenant_id=` or from a `tenant/user` login; with neither, the user name alone (while it is
 * unique), as for Basic. Two-factor codes are not supported: `tfa_code` may only be absent, empty
 * or `undefined` (what @c8y/client and go-c8y-cli send when they have none).
 */
export function parseLoginForm(body: string, tenantId: string | undefined): BasicCredentials {
  const form = new URLSearchParams(body);
  const one = (name: string) => {
    const values = form.getAll(name);
    if (values.length > 1) throw invalidLoginRequest(`'${name}' is given more than once.`);
    return values[0];
  };
  const grantType = one("grant_type");
  if (grantType?.toUpperCase() !== "PASSWORD") {
    throw invalidLoginRequest(`Unsupported grant_type '${grantType ?? ""}': only PASSWORD is supported.`);
  }
  const tfa = one("tfa_code");
  if (tfa !== undefined && tfa !== "" && tfa !== "undefined") {
    throw invalidLoginRequest("Two-factor codes are not supported here: send tfa_code empty or leave it out.");
  }
  const username = one("username");
  const password = one("password");
  if (!username) throw invalidLoginRequest("'username' is required.");
  if (password === undefined) throw invalidLoginRequest("'password' is required.");
  const slash = username.indexOf("/");
  const prefix = slash > 0 ? username.slice(0, slash) : undefined;
  const userName = prefix === undefined ? username : username.slice(slash + 1);
  if (!userName) throw invalidLoginRequest("'username' names no user.");
  const tenant = tenantId || prefix;
  // A login naming two different tenants cannot be right; it fails like a wrong password would.
  if (tenantId && prefix !== undefined && prefix !== tenantId)
    return { tenant: tenantId, userName: username, password };
  return { tenant, userName, password };
}
