import { createMiddleware } from "hono/factory";
import { ApiError } from "../errors";
import type { AppEnv, Database, Principal } from "../env";
import { clearFailures, findFailures, recordFailure } from "../db/login-failures";
import { findUser, findUserWithoutTenant } from "../db/users";
import { parseBasicCredentials, type BasicCredentials } from "./basic-credentials";
import { ensureBootstrapAdmin } from "./bootstrap";
import { CredentialCache } from "./credential-cache";
import { retryAfterSeconds } from "./login-throttle";
import { hashPassword, verifyPassword } from "./passwords";

/** Verified logins, shared by the requests an isolate serves. */
export const credentialCache = new CredentialCache<Principal>(60_000, 1_000);

/** Drops cached logins of a user whose password or roles changed (in this isolate; others expire). */
export function forgetCachedLogins(tenant: string, userName?: string): void {
  credentialCache.deleteWhere((p) => p.tenant === tenant && (userName === undefined || p.userName === userName));
}

function unauthorized(useXBasic: boolean): ApiError {
  const scheme = useXBasic ? "XBasic" : "Basic";
  return new ApiError(401, "security/Unauthorized", "Invalid credentials! : Bad credentials", {
    "WWW-Authenticate": `${scheme} realm="Cumulocity"`,
  });
}

// Unknown users still cost one PBKDF2, so response time does not tell which user names exist.
let dummyHash: Promise<string> | undefined;

/** Checks credentials against D1, throttling repeated failures; returns the principal or throws. */
async function verify(db: Database, credentials: BasicCredentials, useXBasic: boolean): Promise<Principal> {
  const user = credentials.tenant
    ? await findUser(db, credentials.tenant, credentials.userName)
    : await findUserWithoutTenant(db, credentials.userName);
  const login = user ? `${user.tenant}/${user.userName}` : `${credentials.tenant ?? ""}/${credentials.userName}`;
  const failures = await findFailures(db, login);
  const wait = retryAfterSeconds(failures, Date.now());
  if (wait > 0) {
    throw new ApiError(429, "security/Too Many Requests", `Too many failed logins; try again in ${wait} s.`, { "Retry-After": String(wait) });
  }
  const stored = user?.passwordHash ?? (await (dummyHash ??= hashPassword("not a password")));
  const ok = (await verifyPassword(credentials.password, stored)) && user !== undefined;
  if (!ok) {
    await recordFailure(db, login, failures);
    throw unauthorized(useXBasic);
  }
  if (failures) await clearFailures(db, login);
  return { tenant: user.tenant, userName: user.userName, roles: new Set(user.roles) };
}

/**
 * Who are you: resolves HTTP Basic credentials to a principal (`c.var.principal`) or answers 401
 * (429 while a login is throttled). It never decides what the caller may do; that is
 * `requireAnyRole` and the binary policy.
 */
export const authenticate = createMiddleware<AppEnv>(async function authenticate(c, next) {
  const header = c.req.header("Authorization");
  const useXBasic = c.req.header("UseXBasic")?.toLowerCase() === "true";
  const credentials = parseBasicCredentials(header);
  if (!header || !credentials) throw unauthorized(useXBasic);

  const cacheKey = await CredentialCache.keyOf(header);
  let principal = credentialCache.get(cacheKey);
  if (!principal) {
    await ensureBootstrapAdmin(c.var.db, c.env.DB, c.env);
    principal = await verify(c.var.db, credentials, useXBasic);
    credentialCache.set(cacheKey, principal);
  }
  c.set("principal", principal);
  await next();
});
