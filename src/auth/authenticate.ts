import type { Database } from "../db/client";
import { unauthorized } from "../errors";
import { type BasicCredentials, parseBasicCredentials } from "./basic-credentials";
import { type BootstrapConfig, ensureBootstrapAdmin } from "./bootstrap";
import { CredentialCache } from "./credential-cache";
import { admitAttempt, forgetAttempts, throttleKey } from "./login-throttle";
import { hashPassword, verifyPassword } from "./passwords";
import type { Principal } from "./principal";

/** Verified logins, shared by the requests an isolate serves. */
const credentialCache = new CredentialCache<Principal>(60_000, 1_000);

/** Drops cached logins of a user whose password or roles changed (in this isolate; others expire). */
export function forgetCachedLogins(tenant: string, userName?: string): void {
  credentialCache.deleteWhere((p) => p.tenant === tenant && (userName === undefined || p.userName === userName));
}

/** The principal cached for an Authorization header, if any (for tests and diagnostics). */
export async function cachedPrincipal(authorization: string): Promise<Principal | undefined> {
  return credentialCache.get(await CredentialCache.keyOf(authorization));
}

// Unknown users still cost one PBKDF2, so response time does not tell which user names exist.
let dummyHash: Promise<string> | undefined;
function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword("not a password");
  return dummyHash;
}

/** Checks credentials against D1, throttling repeated failures; returns the principal or throws. */
async function verify(
  db: Database,
  credentials: BasicCredentials,
  scheme: "Basic" | "XBasic",
  clientAddress: string | undefined,
): Promise<Principal> {
  // Counted before the user is even looked up, under the login as sent: a 429 says nothing about
  // whether the user exists, and parallel guesses cannot slip past the count (docs/api.md §11).
  const key = throttleKey(credentials, clientAddress);
  // One round trip: the count and the user lookup share a batch, which runs on the primary (it
  // writes), so a user created moments ago is found even while replicas lag.
  const user = await admitAttempt(db, key, credentials);
  const stored = user?.passwordHash ?? (await dummyPasswordHash());
  const ok = (await verifyPassword(credentials.password, stored)) && user !== undefined;
  if (!ok) throw unauthorized(scheme);
  await forgetAttempts(db, key);
  return { tenant: user.tenant, userName: user.userName, roles: new Set(user.roles) };
}

/** What authentication reads of a request. */
export interface AuthenticationInput {
  /** The Authorization header, if any. */
  authorization: string | undefined;
  /** Whether the client asked for `WWW-Authenticate: XBasic` (so browsers show no prompt). */
  useXBasic: boolean;
  /** The client's address (CF-Connecting-IP), which the login throttle counts attempts under. */
  clientAddress?: string;
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
): Promise<Principal> {
  const scheme = input.useXBasic ? "XBasic" : "Basic";
  const credentials = parseBasicCredentials(input.authorization);
  if (!input.authorization || !credentials) throw unauthorized(scheme);

  const cacheKey = await CredentialCache.keyOf(input.authorization);
  let principal = credentialCache.get(cacheKey);
  if (!principal) {
    await ensureBootstrapAdmin(db, d1, bootstrap);
    principal = await verify(db, credentials, scheme, input.clientAddress);
    credentialCache.set(cacheKey, principal);
  }
  return principal;
}
