import type { Database } from "../db/client";
import {
  admitStatement,
  blockedUntil,
  clearFailures,
  clearFailuresOf,
  countFailure,
  deleteFailuresBefore,
  type ThrottlePolicy,
} from "../db/login-failures";
import type { UserRow } from "../db/schema";
import { loginLookup, loginUser } from "../db/users";
import { tooManyLogins } from "../errors";
import type { BasicCredentials } from "./basic-credentials";

/** Failed logins allowed before the first pause; the count restarts after a quiet window. */
export const FREE_ATTEMPTS = 5;
export const WINDOW_MS = 15 * 60_000;
export const MAX_BLOCK_MS = 5 * 60_000;
/**
 * Attempts of one key whose password is being checked at once, at most: well above what real clients
 * fire in parallel at start (browsers, SDKs, test suites, all with the right password), and the most
 * guesses a burst gets checked before failures block (docs/api.md#authentication-and-login-throttle).
 */
export const MAX_PENDING = 32;
/** An attempt's in-flight mark lapses after this (a request cut off mid-check never ends its attempt). */
export const PENDING_TTL_MS = 10_000;

const POLICY: ThrottlePolicy = {
  freeFailures: FREE_ATTEMPTS,
  windowMs: WINDOW_MS,
  maxBlockMs: MAX_BLOCK_MS,
  maxPending: MAX_PENDING,
  pendingTtlMs: PENDING_TTL_MS,
};

/**
 * What login attempts are counted under (docs/api.md#authentication-and-login-throttle): the login exactly as sent
 * (with or without its tenant) plus the client's address (Cloudflare's CF-Connecting-IP). Never the user
 * it resolves to, so a 429 tells nothing about which users exist; and guesses from one address
 * cannot lock out a client elsewhere that has not failed (OWASP Authentication Cheat Sheet).
 */
export function throttleKey(credentials: Pick<BasicCredentials, "tenant" | "userName">, address?: string): string {
  const login =
    credentials.tenant === undefined ? credentials.userName : `${credentials.tenant}/${credentials.userName}`;
  return `${login} ${address?.trim() || "-"}`;
}

/**
 * Admits a login attempt before its password is checked, atomically, and looks the user up in the
 * same D1 round trip. Refused (429 with Retry-After) while the key is blocked, or while MAX_PENDING of
 * its attempts are in flight (1 once the window holds FREE_ATTEMPTS failures). An admitted attempt
 * ends with `countFailure` or `forgetAttempts`. Only failures block: the FREE_ATTEMPTS-th failure of a
 * window and each later one block the key for twice as long as the previous (1 s, 2 s, 4 s, … up to
 * 5 min), so parallel logins with the right password are never refused, and a block always ends.
 * Returns the user the login names, if exactly one.
 */
export async function admitAttempt(
  db: Database,
  key: string,
  login: { tenant: string | undefined; userName: string },
  now = Date.now(),
): Promise<UserRow | undefined> {
  const [admitted, matches] = await db.batch([
    admitStatement(db, key, POLICY, now),
    loginLookup(db, login.tenant, login.userName),
  ]);
  if (admitted.length === 0) {
    const until = (await blockedUntil(db, key)) ?? now;
    throw tooManyLogins(Math.max(1, Math.ceil((until - now) / 1000)));
  }
  return loginUser(matches);
}

/** Ends an admitted attempt of a key as a failure: it counts towards the block. */
export async function countFailedAttempt(db: Database, key: string, now = Date.now()): Promise<void> {
  await countFailure(db, key, POLICY, now);
}

/** Forgets the failures and in-flight attempts of a key after its login succeeded. */
export async function forgetAttempts(db: Database, key: string): Promise<void> {
  await clearFailures(db, key);
}

/** Forgets a user's counted attempts from every address, e.g. after an admin set a new password. */
export async function clearLoginFailures(db: Database, tenant: string, userName: string): Promise<void> {
  await clearFailuresOf(db, [`${tenant}/${userName}`, userName]);
}

/** Drops records once their window has passed and no block can still run (cron). */
export async function sweepLoginFailures(db: Database, now = Date.now()): Promise<void> {
  await deleteFailuresBefore(db, now - WINDOW_MS - MAX_BLOCK_MS);
}
