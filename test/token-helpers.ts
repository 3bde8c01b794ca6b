import { call } from "./helpers";

/** The form @c8y/client's loginViaOAuthInternal and go-c8y-cli send (tfa_code=undefined when there is none). */
export function loginForm(username: string, password: string, extra: Record<string, string> = {}): string {
  return new URLSearchParams({
    grant_type: "PASSWORD",
    username,
    password,
    tfa_code: "undefined",
    ...extra,
  }).toString();
}

export const FORM_TYPE = "application/x-www-form-urlencoded;charset=UTF-8";

/** POST /tenant/oauth/token; resolves the bearer token. */
export async function tokenLogin(tenant: string, userName: string, password = "secret-password"): Promise<string> {
  const res = await call(`/tenant/oauth/token?tenant_id=${tenant}`, {
    method: "POST",
    body: loginForm(userName, password),
    headers: { "Content-Type": FORM_TYPE },
  });
  if (res.status !== 200) throw new Error(`token login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** POST /tenant/oauth; resolves the two cookies' values and the raw Set-Cookie lines. */
export async function cookieLogin(
  tenant: string,
  userName: string,
  password = "secret-password",
): Promise<{ token: string; xsrf: string; setCookies: string[] }> {
  const res = await call(`/tenant/oauth?tenant_id=${tenant}`, {
    method: "POST",
    body: loginForm(userName, password),
    headers: { "Content-Type": FORM_TYPE },
  });
  if (res.status !== 200) throw new Error(`cookie login failed: ${res.status} ${await res.text()}`);
  const setCookies = res.headers.getSetCookie();
  const value = (name: string) => {
    const line = setCookies.find((cookie) => cookie.startsWith(`${name}=`));
    if (!line) throw new Error(`no ${name} cookie`);
    return line.slice(name.length + 1).split(";")[0]!;
  };
  return { token: value("authorization"), xsrf: value("XSRF-TOKEN"), setCookies };
}

/** The claims and header of a JWT, decoded without checking anything. */
export function jwtParts(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [header, claims] = token
    .split(".")
    .slice(0, 2)
    .map((part) => {
      const text = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
      return JSON.parse(new TextDecoder().decode(Uint8Array.from(text, (ch) => ch.charCodeAt(0))));
    });
  return { header, claims };
}

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
const b64urlJson = (value: unknown) => b64url(new TextEncoder().encode(JSON.stringify(value)));

/** A JWT signed by hand with HMAC (`hash` SHA-256/384/512) or unsigned (`alg: none`), for forgery tests. */
export async function handMadeToken(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  secret: string | undefined,
  hash = "SHA-256",
): Promise<string> {
  const input = `${b64urlJson(header)}.${b64urlJson(claims)}`;
  if (secret === undefined) return `${input}.`;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash }, false, [
    "sign",
  ]);
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(input)));
  return `${input}.${b64url(signature)}`;
}

/** The test keys of vitest.config.mts: t2 signs, t1 still verifies. */
export const TEST_TOKEN_KEYS = {
  t2: "test-token-signing-secret-new-0123",
  t1: "test-token-signing-secret-old-0123",
};
