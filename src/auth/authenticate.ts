import { createMiddleware } from "hono/factory";
import { ApiError } from "../errors";
import type { AppEnv, Principal } from "../env";
import { findUser, findUserWithoutTenant } from "../storage/users";
import { parseBasicCredentials } from "./basic-credentials";
import { ensureBootstrapAdmin } from "./bootstrap";
import { CredentialCache } from "./credential-cache";
import { verifyPassword } from "./passwords";

/** Verified logins, shared by the requests an isolate serves. */
export const credentialCache = new CredentialCache<Principal>(60_000, 1_000);

function unauthorized(useXBasic: boolean): ApiError {
  const scheme = useXBasic ? "XBasic" : "Basic";
  return new ApiError(401, "security/Unauthorized", "Invalid credentials! : Bad credentials", {
    "WWW-Authenticate": `${scheme} realm="Cumulocity"`,
  });
}

/**
 * Who are you: resolves HTTP Basic credentials to a principal (`c.var.principal`) or answers 401.
 * It never decides what the caller may do; that is `requireAnyRole` and the binary policy.
 */
export const authenticate = createMiddleware<AppEnv>(async function authenticate(c, next) {
  const header = c.req.header("Authorization");
  const useXBasic = c.req.header("UseXBasic")?.toLowerCase() === "true";
  const credentials = parseBasicCredentials(header);
  if (!header || !credentials) throw unauthorized(useXBasic);

  const cacheKey = await CredentialCache.keyOf(header);
  let principal = credentialCache.get(cacheKey);
  if (!principal) {
    const db = c.var.db;
    await ensureBootstrapAdmin(db, c.env.DB, c.env);
    const user = credentials.tenant
      ? await findUser(db, credentials.tenant, credentials.userName)
      : await findUserWithoutTenant(db, credentials.userName);
    if (!user || !(await verifyPassword(credentials.password, user.passwordHash))) throw unauthorized(useXBasic);
    principal = { tenant: user.tenant, userName: user.userName, roles: new Set(user.roles) };
    credentialCache.set(cacheKey, principal);
  }
  c.set("principal", principal);
  await next();
});
