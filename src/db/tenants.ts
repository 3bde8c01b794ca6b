import { and, asc, count, eq, gte, isNull, lt, ne, sql } from "drizzle-orm";
import type { Database } from "./client";
import { insertWhere } from "./insert-where";
import { binaries, deletedTenants, r2Multiparts, resumables, tenants, tenantUsage, users } from "./schema";
import { deleteTenantSessions } from "./sessions";
import { deleteUsageStatement, setQuotaStatement, ZERO_USAGE } from "./usage";
import { type NewUser, userValues } from "./users";

export type TenantRow = Omit<typeof tenants.$inferSelect, "moving">;
/** A tenant with its storage quota (docs/api.md#usage-and-quotas; null: unlimited). */
export type TenantWithQuota = TenantRow & { storageQuota: number | null };

const withQuota = {
  id: tenants.id,
  domain: tenants.domain,
  company: tenants.company,
  creationTime: tenants.creationTime,
  storageQuota: tenantUsage.storageQuota,
};

/** A tenant by id. */
export async function findTenant(db: Database, id: string): Promise<TenantWithQuota | undefined> {
  return db
    .select(withQuota)
    .from(tenants)
    .leftJoin(tenantUsage, eq(tenantUsage.tenant, tenants.id))
    .where(eq(tenants.id, id))
    .get();
}

/** One page of tenants, by id. */
export async function listTenants(
  db: Database,
  limit: number,
  offset: number,
  except?: string,
): Promise<TenantWithQuota[]> {
  const where = except === undefined ? undefined : ne(tenants.id, except);
  return db
    .select(withQuota)
    .from(tenants)
    .leftJoin(tenantUsage, eq(tenantUsage.tenant, tenants.id))
    .where(where)
    .orderBy(asc(tenants.id))
    .limit(limit)
    .offset(offset)
    .all();
}

/**
 * Changes a tenant's company, domain and storage quota (each only when given); undefined when the
 * tenant does not exist. One batch: the tenant row, then its quota, then the result.
 */
export async function updateTenant(
  db: Database,
  id: string,
  change: { company?: string; domain?: string; storageQuota?: number | null },
): Promise<TenantWithQuota | undefined> {
  if (!(await findTenant(db, id))) return undefined;
  const fields = {
    ...(change.company === undefined ? {} : { company: change.company }),
    ...(change.domain === undefined ? {} : { domain: change.domain }),
  };
  const exists = sql`EXISTS (SELECT 1 FROM ${tenants} WHERE ${tenants.id} = ${id})`;
  const quota =
    change.storageQuota === undefined
      ? undefined
      : // Only while the tenant exists: a quota row must not outlive a concurrent delete.
        insertWhere(
          db,
          tenantUsage,
          { ...ZERO_USAGE, tenant: id, storageQuota: change.storageQuota },
          exists,
        ).onConflictDoUpdate({
          target: tenantUsage.tenant,
          set: { storageQuota: change.storageQuota },
        });
  const update = Object.keys(fields).length > 0 ? db.update(tenants).set(fields).where(eq(tenants.id, id)) : undefined;
  if (update && quota) await db.batch([update, quota]);
  else await (update ?? quota);
  return findTenant(db, id);
}

/** How many tenants exist (other than `except`, when given). */
export async function countTenants(db: Database, except?: string): Promise<number> {
  const where = except === undefined ? undefined : ne(tenants.id, except);
  const [row] = await db.select({ n: count() }).from(tenants).where(where);
  return row?.n ?? 0;
}

/** When the tenant id was last deleted (ms since the epoch), if it was. */
export async function tenantDeletedAt(db: Database, id: string): Promise<number | undefined> {
  return (await db.select().from(deletedTenants).where(eq(deletedTenants.id, id)).get())?.deletedAtMs;
}

/** Whether R2 multipart uploads are still tracked under the key prefix `prefix` (which ends in "/"). */
export async function hasTrackedUploads(db: Database, prefix: string): Promise<boolean> {
  // Keys under "x/" are those in ["x/", "x0"): "0" follows "/" in code point order.
  const upper = `${prefix.slice(0, -1)}0`;
  const row = await db
    .select({ key: r2Multiparts.key })
    .from(r2Multiparts)
    .where(and(gte(r2Multiparts.key, prefix), lt(r2Multiparts.key, upper)))
    .limit(1)
    .get();
  return row !== undefined;
}

/**
 * Creates a tenant and its first admin in one atomic batch; undefined when the id is taken. The
 * tenant is a plain INSERT, so when a concurrent creation of the same id won, its UNIQUE failure
 * rolls the whole batch back: the loser's admin is never added to the winner's tenant.
 */
export async function createTenantWithAdmin(
  db: Database,
  tenant: { id: string; company: string; domain: string },
  admin: Omit<NewUser, "tenant">,
  storageQuota: number | null = null,
): Promise<TenantRow | undefined> {
  if (await findTenant(db, tenant.id)) return undefined;
  const creationTime = new Date().toISOString();
  try {
    const [inserted] = await db.batch([
      db
        .insert(tenants)
        .values({ ...tenant, creationTime })
        .returning(),
      db.insert(users).values(userValues({ ...admin, tenant: tenant.id })),
      db.delete(deletedTenants).where(eq(deletedTenants.id, tenant.id)),
      // A fresh usage row: nothing of an earlier tenant with this id counts (its rows are gone).
      deleteUsageStatement(db, tenant.id),
      setQuotaStatement(db, tenant.id, storageQuota),
    ]);
    return inserted[0];
  } catch (error) {
    if (/UNIQUE constraint failed/i.test(String((error as { cause?: unknown }).cause ?? error))) return undefined;
    throw error;
  }
}

/** Whether this shard still holds open resumable uploads of `tenant` (left by a deleted tenant of that id). */
export async function hasOpenResumables(db: Database, tenant: string): Promise<boolean> {
  const row = await db
    .select({ id: resumables.id })
    .from(resumables)
    .where(and(eq(resumables.tenant, tenant), isNull(resumables.completedMs)))
    .limit(1)
    .get();
  return row !== undefined;
}

/**
 * Removes a tenant with its users and binary rows in one batch. Rows go before bytes
 * (docs/api.md#consistency-between-r2-and-d1): the caller deletes the R2 objects afterwards, and the sweep collects any
 * it misses.
 */
export async function deleteTenantRows(db: Database, id: string, now = Date.now()): Promise<boolean> {
  const [, , , , , deleted] = await db.batch([
    // Its open resumable uploads expire now: the next sweep removes them with their R2 leftovers. Until
    // then the id is not free (hasOpenResumables): their rows' usage triggers would count against a new
    // tenant of the same id (a sweep of 5,000 reserved bytes gave it 5,000 bytes above its quota).
    db
      .update(resumables)
      .set({ expiresMs: 0 })
      .where(and(eq(resumables.tenant, id), isNull(resumables.completedMs))),
    deleteTenantSessions(db, id),
    db.delete(binaries).where(eq(binaries.tenant, id)),
    db.delete(users).where(eq(users.tenant, id)),
    // Its usage goes with its rows (the uploads the sweep removes later no longer count anywhere).
    deleteUsageStatement(db, id),
    db.delete(tenants).where(eq(tenants.id, id)).returning({ id: tenants.id }),
    // A tombstone, only if a tenant was deleted (changes() counts the statement just before).
    insertWhere(db, deletedTenants, { id, deletedAtMs: now }, sql`changes() = 1`).onConflictDoUpdate({
      target: deletedTenants.id,
      set: { deletedAtMs: now },
    }),
  ]);
  return deleted.length === 1;
}
