import { and, eq, lt } from "drizzle-orm";
import type { Database } from "./client";
import { type SessionRow, sessions, tenantUsage, type UserRow, users } from "./schema";
import { noteUsage } from "./usage-hints";
import { residentTenant, usageColumns } from "./users";

/** A session row and the user it belongs to, as one re-check reads them. */
export interface SessionWithUser {
  session: SessionRow;
  user: UserRow;
}

/** Stores a new session (at login). */
export async function insertSession(db: Database, row: SessionRow): Promise<void> {
  await db.insert(sessions).values(row);
}

/**
 * The session `id` of `tenant` joined with its user, in one statement: nothing when the session was
 * ended or the user deleted (tenant deletion deletes both).
 */
export async function findSessionWithUser(
  db: Database,
  tenant: string,
  id: string,
): Promise<SessionWithUser | undefined> {
  // The tenant's usage rides along: this isolate's hints (db/usage-hints) learn it for free.
  const [row] = await db
    .select({ session: sessions, user: users, usage: usageColumns })
    .from(sessions)
    .innerJoin(users, and(eq(users.tenant, sessions.tenant), eq(users.userName, sessions.userName)))
    .leftJoin(tenantUsage, eq(tenantUsage.tenant, sessions.tenant))
    .where(and(eq(sessions.id, id), eq(sessions.tenant, tenant), residentTenant(sessions.tenant)))
    .limit(1);
  if (!row) return undefined;
  noteUsage(row.user.tenant, row.usage);
  return { session: row.session, user: row.user };
}

/** Moves a session's expiry (a renewed cookie session). */
export async function extendSession(db: Database, id: string, expiresMs: number): Promise<void> {
  await db.update(sessions).set({ expiresMs }).where(eq(sessions.id, id));
}

/** Ends one session (logout); true when it existed. */
export async function deleteSession(db: Database, tenant: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(sessions)
    .where(and(eq(sessions.id, id), eq(sessions.tenant, tenant)))
    .returning({ id: sessions.id });
  return rows.length === 1;
}

/** The statement that deletes every session of a tenant (batched with the tenant's other rows). */
export function deleteTenantSessions(db: Database, tenant: string) {
  return db.delete(sessions).where(eq(sessions.tenant, tenant));
}

/** Drops sessions past their expiry (cron). */
export async function deleteExpiredSessions(db: Database, now: number): Promise<void> {
  await db.delete(sessions).where(lt(sessions.expiresMs, now));
}
