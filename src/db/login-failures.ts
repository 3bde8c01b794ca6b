import { and, eq, gte, lt, or, type SQL, sql } from "drizzle-orm";
import type { Database } from "./client";
import { loginFailures } from "./schema";

/**
 * How logins are throttled: failures allowed before the first block, the window they are counted in,
 * blocks doubling from 1 s up to a cap; and how many attempts may be in flight (their password not yet
 * checked) at once, with how long an attempt's mark counts as in flight at most.
 */
export interface ThrottlePolicy {
  freeFailures: number;
  windowMs: number;
  maxBlockMs: number;
  maxPending: number;
  pendingTtlMs: number;
}

/** SQL for the end of the block that the n-th failure of a window starts (0 for the first ones). */
function blockAfter(n: SQL, policy: ThrottlePolicy, now: number): SQL {
  // The shift is capped: SQLite's << gives 0 past 63 bits, which would end the block.
  return sql`CASE WHEN ${n} >= ${policy.freeFailures}
    THEN ${now} + min(1000 << min(${n} - ${policy.freeFailures}, 20), ${policy.maxBlockMs}) ELSE 0 END`;
}

/**
 * The statement that admits one login attempt under `key` before its password is checked, in a single
 * upsert, so parallel attempts cannot all pass between a read and a write: it marks the attempt as in
 * flight (`pending` + 1) unless the key is blocked or already has its cap of attempts in flight — the
 * policy's maxPending, or 1 once the window holds freeFailures failures. Marks older than pendingTtlMs
 * (a request cut off mid-check never ends its attempt) are forgotten. Refused: the upsert's WHERE fails
 * and RETURNING is empty; admitted: one row. A statement, so the caller can batch it with the user
 * lookup (one round trip).
 */
export function admitStatement(db: Database, key: string, policy: ThrottlePolicy, now: number) {
  const stale = sql`${now} - ${loginFailures.lastAttemptMs} > ${policy.pendingTtlMs}`;
  const expired = sql`${now} - ${loginFailures.firstFailureMs} > ${policy.windowMs}`;
  const inFlight = sql`(CASE WHEN ${stale} THEN 0 ELSE ${loginFailures.pending} END)`;
  const cap = sql`(CASE WHEN ${loginFailures.failures} >= ${policy.freeFailures} AND NOT (${expired})
    THEN 1 ELSE ${policy.maxPending} END)`;
  return db
    .insert(loginFailures)
    .values({ login: key, failures: 0, firstFailureMs: now, blockedUntilMs: 0, pending: 1, lastAttemptMs: now })
    .onConflictDoUpdate({
      target: loginFailures.login,
      set: { pending: sql`${inFlight} + 1`, lastAttemptMs: now },
      setWhere: sql`${loginFailures.blockedUntilMs} <= ${now} AND ${inFlight} < ${cap}`,
    })
    .returning({ pending: loginFailures.pending });
}

/**
 * Turns one admitted attempt of `key` into a failure, in one upsert: its in-flight mark goes, the
 * window's failures grow by one (a window restarts when its first failure is older than windowMs), and
 * the n-th failure (n >= freeFailures) blocks the key for 1 s × 2^(n − freeFailures), at most maxBlockMs,
 * never shortening a block that runs. The row may be gone (a parallel success cleared it): then it is
 * the first failure.
 */
export async function countFailure(db: Database, key: string, policy: ThrottlePolicy, now: number): Promise<void> {
  const restart = sql`(${now} - ${loginFailures.firstFailureMs} > ${policy.windowMs} OR ${loginFailures.failures} = 0)`;
  const failures = sql`(CASE WHEN ${restart} THEN 1 ELSE ${loginFailures.failures} + 1 END)`;
  await db
    .insert(loginFailures)
    .values({
      login: key,
      failures: 1,
      firstFailureMs: now,
      blockedUntilMs: blockAfter(sql`1`, policy, now),
      pending: 0,
      lastAttemptMs: now,
    })
    .onConflictDoUpdate({
      target: loginFailures.login,
      set: {
        failures,
        firstFailureMs: sql`CASE WHEN ${restart} THEN ${now} ELSE ${loginFailures.firstFailureMs} END`,
        blockedUntilMs: sql`max(${loginFailures.blockedUntilMs}, ${blockAfter(failures, policy, now)})`,
        pending: sql`max(${loginFailures.pending} - 1, 0)`,
      },
    });
}

/** When the block on `key` ends (ms), for a Retry-After. */
export async function blockedUntil(db: Database, key: string): Promise<number | undefined> {
  const row = await db
    .select({ blockedUntilMs: loginFailures.blockedUntilMs })
    .from(loginFailures)
    .where(eq(loginFailures.login, key))
    .get();
  return row?.blockedUntilMs;
}

/**
 * Forgets the failures and marks of one key (after a successful login). Marks of attempts of that key
 * still in flight go too: theirs is the same login from the same address, whose password just matched.
 */
export async function clearFailures(db: Database, key: string): Promise<void> {
  await db.delete(loginFailures).where(eq(loginFailures.login, key));
}

/**
 * Forgets the attempts of the keys that start with one of `prefixes` followed by a space (every
 * client address of a login, after a password change).
 */
export async function clearFailuresOf(db: Database, prefixes: string[]): Promise<void> {
  // Keys under "p " are those in ["p ", "p!"): "!" follows " " in code point order.
  const ranges = prefixes.map((p) => and(gte(loginFailures.login, `${p} `), lt(loginFailures.login, `${p}!`)));
  await db.delete(loginFailures).where(or(...ranges));
}

/** Deletes records whose window began before `cutoffMs` (a mark of theirs still in flight goes too). */
export async function deleteFailuresBefore(db: Database, cutoffMs: number): Promise<void> {
  await db.delete(loginFailures).where(lt(loginFailures.firstFailureMs, cutoffMs));
}
