import { and, eq, gte, lt, or, type SQL, sql } from "drizzle-orm";
import type { Database } from "./client";
import { loginFailures } from "./schema";

/** How attempts are counted: free attempts per window, then blocks doubling from 1 s up to a cap. */
export interface ThrottlePolicy {
  freeAttempts: number;
  windowMs: number;
  maxBlockMs: number;
}

/**
 * The statement that counts one login attempt under `key`, before the password is checked, in a
 * single upsert, so parallel guesses cannot all pass between a read and a write. The n-th attempt
 * of a window (n >= freeAttempts) blocks the key for 1 s × 2^(n − freeAttempts), at most
 * maxBlockMs. An attempt during a block changes nothing: the upsert's WHERE fails and RETURNING is
 * empty; an admitted attempt returns one row. A statement, so the caller can batch it with the
 * user lookup (one round trip).
 */
export function countAttempt(db: Database, key: string, policy: ThrottlePolicy, now: number) {
  const expired = sql`${now} - ${loginFailures.firstFailureMs} > ${policy.windowMs}`;
  const attempts = sql`(CASE WHEN ${expired} THEN 1 ELSE ${loginFailures.failures} + 1 END)`;
  // The shift is capped: SQLite's << gives 0 past 63 bits, which would end the block.
  const blockAfter = (n: SQL) =>
    sql`CASE WHEN ${n} >= ${policy.freeAttempts}
      THEN ${now} + min(1000 << min(${n} - ${policy.freeAttempts}, 20), ${policy.maxBlockMs}) ELSE 0 END`;
  return db
    .insert(loginFailures)
    .values({ login: key, failures: 1, firstFailureMs: now, blockedUntilMs: blockAfter(sql`1`) })
    .onConflictDoUpdate({
      target: loginFailures.login,
      set: {
        failures: attempts,
        firstFailureMs: sql`CASE WHEN ${expired} THEN ${now} ELSE ${loginFailures.firstFailureMs} END`,
        blockedUntilMs: blockAfter(attempts),
      },
      setWhere: sql`${loginFailures.blockedUntilMs} <= ${now}`,
    })
    .returning({ failures: loginFailures.failures });
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

/** Forgets the attempts counted under one key (after a successful login). */
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

/** Deletes records whose first attempt is older than `cutoffMs`. */
export async function deleteFailuresBefore(db: Database, cutoffMs: number): Promise<void> {
  await db.delete(loginFailures).where(lt(loginFailures.firstFailureMs, cutoffMs));
}
