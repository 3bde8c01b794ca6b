import type { Database } from "../db/client";
import { clearFailures, deleteFailuresBefore } from "../db/login-failures";

/** Failed-login state of one login name. */
export interface FailureState {
  failures: number;
  firstFailureMs: number;
  blockedUntilMs: number;
}

/** Attempts allowed before the first pause; the count restarts after a quiet window. */
export const FREE_ATTEMPTS = 5;
export const WINDOW_MS = 15 * 60_000;
export const MAX_BLOCK_MS = 5 * 60_000;

/**
 * The state after one more failure at `now`: the first FREE_ATTEMPTS failures are free, then each
 * one blocks the login for twice as long as the previous (1 s, 2 s, 4 s, … up to 5 min). A block
 * always ends, so the right password works again later: nobody is locked out for good.
 */
export function afterFailure(previous: FailureState | undefined, now: number): FailureState {
  const fresh = !previous || now - previous.firstFailureMs > WINDOW_MS;
  const failures = fresh ? 1 : previous.failures + 1;
  const firstFailureMs = fresh ? now : previous.firstFailureMs;
  const over = failures - FREE_ATTEMPTS;
  const blockedUntilMs = over >= 0 ? now + Math.min(1000 * 2 ** over, MAX_BLOCK_MS) : 0;
  return { failures, firstFailureMs, blockedUntilMs };
}

/** Seconds to wait before trying again, or 0 when a login may be attempted now. */
export function retryAfterSeconds(state: FailureState | undefined, now: number): number {
  if (!state || state.blockedUntilMs <= now) return 0;
  return Math.ceil((state.blockedUntilMs - now) / 1000);
}

/** Forgets a user's failed logins, e.g. after an admin set a new password. */
export async function clearLoginFailures(db: Database, tenant: string, userName: string): Promise<void> {
  await clearFailures(db, `${tenant}/${userName}`);
}

/** Drops failed-login records once their window has passed and no block can still run (cron). */
export async function sweepLoginFailures(db: Database, now = Date.now()): Promise<void> {
  await deleteFailuresBefore(db, now - WINDOW_MS - MAX_BLOCK_MS);
}
