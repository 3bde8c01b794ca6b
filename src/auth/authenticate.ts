/**
 * auth/: who the caller is and what it may do. This file authenticates a request (Basic, a bearer token, the
 * cookie flow) into a Principal, with the credential cache and the login throttle; beside it: passwords,
 * tokens and token sessions, the bootstrap admin, the role checks (authorize.ts, user-policy.ts). Pure
 * functions: their middleware lives in routes/middleware.ts.
 */
import type { Database } from "../db/client";
import type { UserRow } from "../db/schema";
import { findResidentUser } from "../db/users";
import { unauthorized, userDisabled } from "../errors";
import { type BasicCredentials, parseBasicCredentials } from "./basic-credentials";
import { type BootstrapConfig, ensureBootstrapAdmin } from "./bootstrap";
import { CredentialCache } from "./credential-cache";
import { admitAttempt, countFailedAttempt, forgetAttempts, throttleKey } from "./login-throttle";
import { hashPassword, verifyPassword } from "./passwords";
import type { Principal } from "./principal";
import { forgetCachedSessions } from "./token-sessions";

/**
 * A verified login as the cache keeps it: the principal, the password hash it was verified
 * against, and when the user row was last read. A cached login is re-checked against its row
 * (one D1 read, no PBKDF2) once it is older than the recheck interval, so a user disabled,
 * deleted, given a new password or new roles in another isolate is refused (or sees its new roles)
 * within that interval (docs/api.md#authentication-and-login-throttle).
 */
interface CachedLogin {
  principal: Principal;
  passwordHash: string;
  checkedAt: number;
}

/** Verified logins, shared by the requests an isolate serves. */
const credentialCache = new CredentialCache<CachedLogin>(60_000, 1_000);

/**
 * Drops cached logins and token sessions of a user whose password or roles changed (in this
 * isolate; others re-check).
 */
export function forgetCachedLogins(tenant: string, userName?: string): void {
  credentialCache.deleteWhere(
    ({ principal: p }) => p.tenant === tenant && (userName === undefined || p.userName === userName),
  );
  forgetCachedSessions(tenant, userName);
}

/** The principal cached for an Authorization header, if any (for tests and diagnostics). */
export async function cachedPrincipal(authorization: string): Promise<Principal | undefined> {
  return credentialCache.get(await CredentialCache.keyOf(authorization))?.principal;
}

const principalOf = (user: UserRow): Principal => ({
  tenant: user.tenant,
  userName: user.userName,
  userId: user.uid,
  roles: new Set(user.roles),
});

// Unknown users still cost one PBKDF2, so response time does not tell which user names exist.
let dummyHash: Promise<string> | undefined;
function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword("not a password");
  return dummyHash;
}

/**
 * Checks credentials against D1, throttling repeated failures; returns the user or throws. A
 * disabled user is refused after its password was checked, so the answer tells only someone who
 * knows the password that the account is disabled.
 */
async function verify(
  db: Database,
  credentials: BasicCredentials,
  scheme: "Basic" | "XBasic",
  clientAddress: string | undefined,
  loginTenant?: string | null,
  unknownTenant = false,
): Promise<UserRow> {
  if (unknownTenant) {
    // A tenant no shard holds protects no account: nothing to throttle, so nothing is written (a
    // sprayer of made-up tenants would otherwise add a row per guess). The same PBKDF2 keeps the
    // timing; the address limit (docs/api.md#rate-limits) bounds how often.
    await verifyPassword(credentials.password, await dummyPasswordHash());
    throw unauthorized(scheme);
  }
  // Admitted before the user is even looked up, under the login as sent: a 429 says nothing about
  // whether the user exists, and parallel guesses cannot slip past the count of attempts in flight
  // (docs/api.md#authentication-and-login-throttle).
  const key = throttleKey(credentials, clientAddress);
  // One round trip: the admission and the user lookup share a batch, which runs on the primary (it
  // writes), so a user created moments ago is found even while replicas lag.
  const user = await admitAttempt(db, key, lookupOf(credentials, loginTenant));
  const stored = user?.passwordHash ?? (await dummyPasswordHash());
  const ok = (await verifyPassword(credentials.password, stored)) && user !== undefined;
  if (!ok) {
    // Only a failure counts towards a block, so parallel logins with the right password never meet one.
    await countFailedAttempt(db, key);
    throw unauthorized(scheme);
  }
  await forgetAttempts(db, key);
  if (!user.enabled) throw userDisabled(scheme);
  return user;
}

/**
 * Whom a login looks up. A login without a tenant was resolved across all shards (issue 19) to the
 * only tenant with a user of that name (`loginTenant`), or to none (null: absent, or in several
 * tenants), when nobody is found, whatever one shard alone holds.
 */
function lookupOf(credentials: BasicCredentials, loginTenant: string | null | undefined): BasicCredentials {
  if (credentials.tenant !== undefined || loginTenant === undefined) return credentials;
  return { ...credentials, tenant: loginTenant ?? "" };
}

/**
 * A password login that opens a token session (POST /tenant/oauth): the same bootstrap, throttle
 * and PBKDF2 check as a Basic login, without the cache (a login happens once).
 */
export async function checkPasswordLogin(
  db: Database,
  d1: object,
  bootstrap: BootstrapConfig,
  credentials: BasicCredentials,
  scheme: "Basic" | "XBasic",
  clientAddress: string | undefined,
  loginTenant?: string | null,
  unknownTenant = false,
): Promise<UserRow> {
  await ensureBootstrapAdmin(db, d1, bootstrap);
  return verify(db, credentials, scheme, clientAddress, loginTenant, unknownTenant);
}

/** What authentication reads of a request. */
export interface AuthenticationInput {
  /** The Authorization header, if any. */
  authorization: string | undefined;
  /** Whether the client asked for `WWW-Authenticate: XBasic` (so browsers show no prompt). */
  useXBasic: boolean;
  /** The client's address (CF-Connecting-IP), which the login throttle counts attempts under. */
  clientAddress?: string;
  /**
   * For a login without a tenant: the tenant it was resolved to across the shards, or null when
   * none could be (issue 19). Undefined: look the name up in this database alone.
   */
  loginTenant?: string | null;
  /** The login names a tenant that the directory does not know: refused without any D1 write. */
  unknownTenant?: boolean;
  /** Called before a password is checked (not for a cached login): the address limit, which may throw 429. */
  beforeCheck?: () => Promise<void>;
}

/** How authentication trusts its cache. */
export interface AuthenticationOptions {
  /** A cached login older than this is re-checked against its user row (AUTH_RECHECK_SECONDS). */
  recheckMs: number;
  /** The current time, for tests. */
  now?: number;
}

/**
 * A cached login, if it still stands: used as is within the recheck interval, else compared with
 * the user's row (still there, enabled, same password hash), taking the row's current roles.
 */
async function fromCache(db: Database, key: string, options: AuthenticationOptions): Promise<Principal | undefined> {
  const now = options.now ?? Date.now();
  const cached = credentialCache.get(key, now);
  if (!cached) return undefined;
  if (now - cached.checkedAt < options.recheckMs) return cached.principal;
  // Also fails once the tenant moved to another shard: the caller then routes the request anew.
  const user = await findResidentUser(db, cached.principal.tenant, cached.principal.userName);
  if (!user?.enabled || user.passwordHash !== cached.passwordHash || user.uid !== cached.principal.userId) {
    credentialCache.delete(key);
    return undefined;
  }
  const principal = principalOf(user);
  credentialCache.set(key, { principal, passwordHash: user.passwordHash, checkedAt: now }, now);
  return principal;
}

/**
 * Who are you: resolves HTTP Basic credentials to a principal, or throws 401 (429 while a login is
 * throttled). It never decides what the caller may do; that is authorization's job. `d1` keys the
 * once-per-binding bootstrap of the first admin.
 */
export async function authenticate(
  db: Database,
  d1: object,
  bootstrap: BootstrapConfig,
  input: AuthenticationInput,
  options: AuthenticationOptions = { recheckMs: 5_000 },
): Promise<Principal> {
  const scheme = input.useXBasic ? "XBasic" : "Basic";
  const credentials = parseBasicCredentials(input.authorization);
  if (!input.authorization || !credentials) throw unauthorized(scheme);

  const cacheKey = await CredentialCache.keyOf(input.authorization);
  const cached = await fromCache(db, cacheKey, options);
  if (cached) return cached;
  await input.beforeCheck?.();
  await ensureBootstrapAdmin(db, d1, bootstrap);
  const user = await verify(db, credentials, scheme, input.clientAddress, input.loginTenant, input.unknownTenant);
  const principal = principalOf(user);
  const now = options.now ?? Date.now();
  credentialCache.set(cacheKey, { principal, passwordHash: user.passwordHash, checkedAt: now }, now);
  return principal;
}
