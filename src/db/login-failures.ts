import { eq, lt } from "drizzle-orm";
import type { Database } from "./client";
import { loginFailures } from "./schema";

/** Failed-login state of one login name, as stored. */
type FailureState = Omit<typeof loginFailures.$inferSelect, "login">;

/** The failure state of a login name, if it has failed recently. */
export async function findFailures(db: Database, login: string): Promise<FailureState | undefined> {
  return db.select().from(loginFailures).where(eq(loginFailures.login, login)).get();
}

/** Stores the state after one more failed attempt (computed by the throttle). */
export async function recordFailure(db: Database, login: string, next: FailureState): Promise<void> {
  await db
    .insert(loginFailures)
    .values({ login, ...next })
    .onConflictDoUpdate({ target: loginFailures.login, set: next });
}

/** Forgets the failures of a login name (after a success or a password reset). */
export async function clearFailures(db: Database, login: string): Promise<void> {
  await db.delete(loginFailures).where(eq(loginFailures.login, login));
}

/** Deletes records whose first failure is older than `cutoffMs`. */
export async function deleteFailuresBefore(db: Database, cutoffMs: number): Promise<void> {
  await db.delete(loginFailures).where(lt(loginFailures.firstFailureMs, cutoffMs));
}
