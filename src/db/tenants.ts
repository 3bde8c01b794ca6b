import { asc, count, eq } from "drizzle-orm";
import type { Database } from "./client";
import { binaries, tenants, users } from "./schema";
import { type NewUser, userValues } from "./users";

export type TenantRow = typeof tenants.$inferSelect;

/** A tenant by id. */
export async function findTenant(db: Database, id: string): Promise<TenantRow | undefined> {
  return db.select().from(tenants).where(eq(tenants.id, id)).get();
}

/** One page of tenants, by id. */
export async function listTenants(db: Database, limit: number, offset: number): Promise<TenantRow[]> {
  return db.select().from(tenants).orderBy(asc(tenants.id)).limit(limit).offset(offset).all();
}

/** How many tenants exist. */
export async function countTenants(db: Database): Promise<number> {
  const [row] = await db.select({ n: count() }).from(tenants);
  return row?.n ?? 0;
}

/**
 * Creates a tenant and its first admin in one atomic batch; undefined when the id is taken
 * (nothing is written then).
 */
export async function createTenantWithAdmin(
  db: Database,
  tenant: { id: string; company: string; domain: string },
  admin: Omit<NewUser, "tenant">,
): Promise<TenantRow | undefined> {
  if (await findTenant(db, tenant.id)) return undefined;
  const creationTime = new Date().toISOString();
  const [inserted] = await db.batch([
    db
      .insert(tenants)
      .values({ ...tenant, creationTime })
      .onConflictDoNothing()
      .returning(),
    db.insert(users).values(userValues({ ...admin, tenant: tenant.id })),
  ]);
  return inserted[0];
}

/**
 * Removes a tenant with its users and binary rows in one batch. Rows go before bytes
 * (docs/api.md §10): the caller deletes the R2 objects afterwards, and the sweep collects any it misses.
 */
export async function deleteTenantRows(db: Database, id: string): Promise<boolean> {
  const [, , deleted] = await db.batch([
    db.delete(binaries).where(eq(binaries.tenant, id)),
    db.delete(users).where(eq(users.tenant, id)),
    db.delete(tenants).where(eq(tenants.id, id)).returning({ id: tenants.id }),
  ]);
  return deleted.length === 1;
}
