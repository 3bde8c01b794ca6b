import { eq } from "drizzle-orm";
import { afterFailure, type FailureState } from "../auth/login-throttle";
import { loginFailures } from "./schema";
import type { Database } from "../env";

/** The failure state of a login name, if it has failed recently. */
export async function findFailures(db: Database, login: string): Promise<FailureState | undefined> {
  return db.select().from(loginFailures).where(eq(loginFailures.login, login)).get();
}

/** Records one more failed attempt and returns the new state. */
export async function recordFailure(db: Database, login: string, previous: FailureState | undefined, now = Date.now()): Promise<FailureState> {
  const next = afterFailure(previous, now);
  await db
    .insert(loginFailures)
    .values({ login, ...next })
    .onConflictDoUpdate({ target: loginFailures.login, set: next });
  return next;
}

/** Forgets the failures of a login name (after a success or a password reset). */
export async function clearFailures(db: Database, login: string): Promise<void> {
  await db.delete(loginFailures).where(eq(loginFailures.login, login));
}
