import { and, eq, sql } from "drizzle-orm";
import { hashPassword } from "../auth/passwords";
import { tenants, users, type UserRow } from "../db/schema";
import type { Database } from "../env";

/** The user `userName` of `tenant`, if any. */
export async function findUser(db: Database, tenant: string, userName: string): Promise<UserRow | undefined> {
  return db.select().from(users).where(and(eq(users.tenant, tenant), eq(users.userName, userName))).get();
}

/**
 * Resolves a login without a tenant prefix: the one user of that name across tenants, or, on a
 * single-tenant deployment, that tenant's user (SPEC §7).
 */
export async function findUserWithoutTenant(db: Database, userName: string): Promise<UserRow | undefined> {
  const matches = await db.select().from(users).where(eq(users.userName, userName)).limit(2).all();
  if (matches.length === 1) return matches[0];
  return undefined;
}

/** Inserts a user unless one of that name exists in the tenant; returns whether it was created. */
export async function createUserIfAbsent(
  db: Database,
  user: { tenant: string; userName: string; password: string; roles: readonly string[]; email?: string },
): Promise<boolean> {
  const passwordHash = await hashPassword(user.password);
  const now = new Date().toISOString();
  const inserted = await db
    .insert(users)
    .values({ tenant: user.tenant, userName: user.userName, passwordHash, roles: [...user.roles], email: user.email ?? null, creationTime: now })
    .onConflictDoNothing()
    .returning({ userName: users.userName });
  return inserted.length === 1;
}

/** Inserts a tenant unless it exists. */
export async function createTenantIfAbsent(db: Database, id: string, domain?: string): Promise<void> {
  await db
    .insert(tenants)
    .values({ id, domain: domain ?? null, company: null, creationTime: sql`strftime('%Y-%m-%dT%H:%M:%fZ','now')` })
    .onConflictDoNothing();
}
