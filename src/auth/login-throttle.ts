import type { Database } from "../db/client";
import { blockedUntil, clearFailures, clearFailuresOf, countAttempt, deleteFailuresBefore } from "../db/login-failures";
import type { UserRow } from "../db/schema";
import { loginLookup, loginUser } from "../db/users";
import { tooManyLogins } from "../errors";
import type { BasicCredentials } from "./basic-credentials";

/** Attempts allowed before the first pause; the count restarts after a quiet window. */
export const FREE_ATTEMPTS = 5;
export const WINDOW_MS = 15 * 60_000;
export const MAX_BLOCK_MS = 5 * 60_000;

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
 * Counts a login attempt before its password is checked, atomically, and looks the user up in the
 * same D1 round trip: the first FREE_ATTEMPTS of a window pass, the FREE_ATTEMPTS-th and later ones
 * each block the key for twice as long as the previous (1 s, 2 s, 4 s, … up to 5 min), and an
 * attempt while blocked is a 429 with Retry-After. A block always ends, so the right password
 * works again later. Returns the user the login names, if exactly one.
 */
export async function admitAttempt(
  db: Database,
  key: string,
  login: { tenant: string | undefined; userName: string },
  now = Date.now(),
): Promise<UserRow | undefined> {
  const policy = { freeAttempts: FREE_ATTEMPTS, windowMs: WINDOW_MS, maxBlockMs: MAX_BLOCK_MS };
  const [counted, matches] = await db.batch([
    countAttempt(db, key, policy, now),
    loginLookup(db, login.tenant, login.userName),
  ]);
  if (counted.length === 0) {
    const until = (await blockedUntil(db, key)) ?? now;
    throw tooManyLogins(Math.max(1, Math.ceil((until - now) / 1000)));
  }
  return loginUser(matches);
}

/** Forgets the attempts of a key after its login succeeded. */
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
