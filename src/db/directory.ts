import { and, asc, count, eq, lt, ne, sql } from "drizzle-orm";
import type { Database } from "./client";
import { type DirectoryRow, deletedTenants, tenantDirectory } from "./schema";

/**
 * Queries on the tenant directory (issue 19), which lives in the directory database (shard 0).
 * A row in state `creating` is a claim on the id while the tenant's rows are written to its shard;
 * routing and listings ignore it.
 */

/** A claim older than this was left by a crashed creation: a new creation of the id may take it over. */
export const STALE_CLAIM_MS = 60_000;

/** Where a tenant lives, if it exists (a tenant still being created does not). */
export async function findPlacementRow(db: Database, id: string): Promise<DirectoryRow | undefined> {
  return db
    .select()
    .from(tenantDirectory)
    .where(and(eq(tenantDirectory.id, id), ne(tenantDirectory.state, "creating")))
    .get();
}

/** How many tenants (claims included) each shard holds. */
export async function tenantsPerShard(db: Database): Promise<Map<number, number>> {
  const rows = await db
    .select({ shard: tenantDirectory.shard, n: count() })
    .from(tenantDirectory)
    .groupBy(tenantDirectory.shard);
  return new Map(rows.map((row) => [row.shard, row.n]));
}

/**
 * Claims a tenant id for a creation on `shard`: true when the id was free, or held by a claim
 * left by a crashed creation (which is taken over: then `shard` becomes that claim's shard, returned).
 */
export async function claimTenantId(
  db: Database,
  row: { id: string; shard: number; region: string | null; company: string; domain: string },
  now = Date.now(),
): Promise<number | undefined> {
  const creationTime = new Date(now).toISOString();
  const claimed = await db
    .insert(tenantDirectory)
    .values({ ...row, creationTime, state: "creating", changedMs: now })
    .onConflictDoUpdate({
      target: tenantDirectory.id,
      set: { changedMs: now, company: row.company, domain: row.domain, creationTime },
      setWhere: and(eq(tenantDirectory.state, "creating"), lt(tenantDirectory.changedMs, now - STALE_CLAIM_MS)),
    })
    .returning({ shard: tenantDirectory.shard, region: tenantDirectory.region });
  const won = claimed[0];
  if (!won) return undefined;
  return won.region === row.region ? won.shard : undefined;
}

/** Makes a claimed tenant visible; returns its row. */
export async function activateTenant(db: Database, id: string, now = Date.now()): Promise<DirectoryRow | undefined> {
  const [row] = await db
    .update(tenantDirectory)
    .set({ state: "active", changedMs: now })
    .where(eq(tenantDirectory.id, id))
    .returning();
  return row;
}

/** Gives up a claim (the shard refused the tenant's rows). */
export async function dropClaim(db: Database, id: string): Promise<void> {
  await db.delete(tenantDirectory).where(and(eq(tenantDirectory.id, id), eq(tenantDirectory.state, "creating")));
}

/** Sets a tenant's state (`active`, `moving`) and, when given, its shard and region. */
export async function updatePlacement(
  db: Database,
  id: string,
  change: { state: string; shard?: number; region?: string | null },
  now = Date.now(),
): Promise<DirectoryRow | undefined> {
  const [row] = await db
    .update(tenantDirectory)
    .set({ ...change, changedMs: now })
    .where(and(eq(tenantDirectory.id, id), ne(tenantDirectory.state, "creating")))
    .returning();
  return row;
}

const listed = (except?: string) =>
  and(ne(tenantDirectory.state, "creating"), except === undefined ? undefined : ne(tenantDirectory.id, except));

/** One page of existing tenants, by id. */
export async function listDirectory(db: Database, limit: number, offset: number, except?: string) {
  return db
    .select()
    .from(tenantDirectory)
    .where(listed(except))
    .orderBy(asc(tenantDirectory.id))
    .limit(limit)
    .offset(offset)
    .all();
}

/** How many tenants exist (other than `except`). */
export async function countDirectory(db: Database, except?: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(tenantDirectory).where(listed(except));
  return row?.n ?? 0;
}

/** Removes a tenant from the directory and leaves a tombstone, so its id rests (docs/api.md#tenants-users-roles). */
export async function removeFromDirectory(db: Database, id: string, now = Date.now()): Promise<void> {
  await db.batch([
    db.delete(tenantDirectory).where(eq(tenantDirectory.id, id)),
    db
      .insert(deletedTenants)
      .values({ id, deletedAtMs: now })
      .onConflictDoUpdate({ target: deletedTenants.id, set: { deletedAtMs: sql`excluded.deleted_at_ms` } }),
  ]);
}

/** Keeps the directory's copy of a tenant's company and domain (which the list shows) in step. */
export async function updateDirectoryDetails(
  db: Database,
  id: string,
  change: { company?: string; domain?: string },
): Promise<DirectoryRow | undefined> {
  const fields = {
    ...(change.company === undefined ? {} : { company: change.company }),
    ...(change.domain === undefined ? {} : { domain: change.domain }),
  };
  if (Object.keys(fields).length === 0) return findPlacementRow(db, id);
  const [row] = await db.update(tenantDirectory).set(fields).where(eq(tenantDirectory.id, id)).returning();
  return row;
}

/** Marks an active tenant `moving` (a move starts); false when it is not active (already moving). */
export async function markMoving(db: Database, id: string, now = Date.now()): Promise<boolean> {
  const rows = await db
    .update(tenantDirectory)
    .set({ state: "moving", changedMs: now })
    .where(and(eq(tenantDirectory.id, id), eq(tenantDirectory.state, "active")))
    .returning({ id: tenantDirectory.id });
  return rows.length === 1;
}

/** Whether the directory holds the id in any state (a creation's claim included). */
export async function directoryHolds(db: Database, id: string): Promise<boolean> {
  const row = await db.select({ id: tenantDirectory.id }).from(tenantDirectory).where(eq(tenantDirectory.id, id)).get();
  return row !== undefined;
}
