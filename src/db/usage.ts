import { asc, eq, type SQL, sql } from "drizzle-orm";
import { storageQuotaExceeded } from "../errors";
import type { Database } from "./client";
import { binaries, type TenantUsageRow, tenants, tenantUsage } from "./schema";
import { noteUsage } from "./usage-hints";

/**
 * Tenant usage and quotas (docs/api.md#usage-and-quotas). The counters are maintained by triggers
 * (migrations/0008_issue20_tenant_usage.sql) inside the statements that change binaries and uploads;
 * this module reads them, sets quotas, builds the quota condition writes carry, and recomputes usage
 * from the rows to find drift.
 */

export type Usage = Omit<TenantUsageRow, "tenant">;

/** The counters of a tenant without binaries or uploads. */
export const ZERO_USAGE = {
  storedBytes: 0,
  binaries: 0,
  uploadReceivedBytes: 0,
  uploadReservedBytes: 0,
  uploads: 0,
  metadataBytes: 0,
};

const EMPTY: Usage = { storageQuota: null, ...ZERO_USAGE };

/**
 * What counts against a tenant's quota (docs/api.md#usage-and-quotas): the bytes of its binaries,
 * their metadata (name, type, fragments) and what its unfinished uploads reserve.
 */
export function usedBytes(usage: Pick<Usage, "storedBytes" | "metadataBytes" | "uploadReservedBytes">): number {
  return usage.storedBytes + usage.metadataBytes + usage.uploadReservedBytes;
}

/** The UTF-8 bytes a binary's metadata adds to its tenant's usage, as the triggers count it. */
export function metadataSize(row: { name: string; type: string; fragments: Record<string, unknown> }): number {
  const encoder = new TextEncoder();
  return (
    encoder.encode(row.name).length +
    encoder.encode(row.type).length +
    encoder.encode(JSON.stringify(row.fragments)).length
  );
}

/** The statement that reads a tenant's usage row (to batch it with another read); see usageOfRow. */
export function usageStatement(db: Database, tenant: string) {
  return db.select().from(tenantUsage).where(eq(tenantUsage.tenant, tenant));
}

/** A tenant's usage from the rows of usageStatement (zero without a row); this isolate remembers it. */
export function usageOfRow(tenant: string, row: TenantUsageRow | undefined): Usage {
  noteUsage(tenant, row);
  if (!row) return EMPTY;
  const { tenant: _, ...usage } = row;
  return usage;
}

/** A tenant's usage (zero when it has no row yet). */
export async function readUsage(db: Database, tenant: string): Promise<Usage> {
  return usageOfRow(tenant, await usageStatement(db, tenant).get());
}

/**
 * The exact check before a write of known size stores any byte (docs/api.md#usage-and-quotas): 413
 * when adding `extraBytes` would take the tenant past its quota.
 */
export function refuseIfOverQuota(usage: Usage, extraBytes: number): void {
  const used = usedBytes(usage);
  if (usage.storageQuota !== null && extraBytes > 0 && used + extraBytes > usage.storageQuota) {
    throw storageQuotaExceeded(usage.storageQuota, used, extraBytes);
  }
}

/** One page of tenants with their usage, by tenant id (tenants without a usage row yet have zero usage). */
export async function listUsage(
  db: Database,
  limit: number,
  offset: number,
): Promise<{ tenant: typeof tenants.$inferSelect; usage: Usage }[]> {
  const rows = await db
    .select({ tenant: tenants, usage: tenantUsage })
    .from(tenants)
    .leftJoin(tenantUsage, eq(tenantUsage.tenant, tenants.id))
    .orderBy(asc(tenants.id))
    .limit(limit)
    .offset(offset)
    .all();
  return rows.map(({ tenant, usage }) => {
    if (!usage) return { tenant, usage: EMPTY };
    const { tenant: _, ...rest } = usage;
    return { tenant, usage: rest };
  });
}

/** The statement that sets a tenant's quota (null: unlimited), creating its usage row if needed. */
export function setQuotaStatement(db: Database, tenant: string, quota: number | null) {
  return db
    .insert(tenantUsage)
    .values({ tenant, storageQuota: quota })
    .onConflictDoUpdate({ target: tenantUsage.tenant, set: { storageQuota: quota } });
}

/** The statement that forgets a deleted tenant's usage (after its rows are gone). */
export function deleteUsageStatement(db: Database, tenant: string) {
  return db.delete(tenantUsage).where(eq(tenantUsage.tenant, tenant));
}

/**
 * The SQL condition "adding `extraBytes` keeps `tenant` within its quota": what it stores plus what
 * its unfinished uploads reserve, plus its metadata and the extra bytes, is at most the quota. True without a quota.
 * `extraBytes` may refer to the row being updated (a replace adds the new length minus the old).
 */
export function withinQuota(tenant: string | SQL, extraBytes: SQL | number): SQL {
  const u = tenantUsage;
  return sql`NOT EXISTS (SELECT 1 FROM ${u} WHERE ${u.tenant} = ${tenant} AND ${u.storageQuota} IS NOT NULL
    AND ${u.storedBytes} + ${u.metadataBytes} + ${u.uploadReservedBytes} + (${extraBytes}) > ${u.storageQuota})`;
}

/** A binary `b`'s metadata bytes as the triggers count them (migrations/0012_issue20_metadata_usage.sql). */
const METADATA_OF_B = sql.raw(
  "length(CAST(b.name AS BLOB)) + length(CAST(b.type AS BLOB)) + COALESCE(length(CAST(b.fragments AS BLOB)), 0)",
);

/** Usage counters as recomputed from the rows, and where the kept counters differ. */
export interface Drift {
  tenant: string;
  kept: Omit<Usage, "storageQuota">;
  actual: Omit<Usage, "storageQuota">;
}

/**
 * The consistency check: recomputes every tenant's usage from its `binaries` and `uploads` rows and
 * reports each tenant whose kept counters differ (empty when there is no drift). One statement.
 */
export async function findUsageDrift(db: Database, tenant?: string): Promise<Drift[]> {
  const only = tenant === undefined ? sql`` : sql`WHERE t.tenant = ${tenant}`;
  const rows = await db.all<Record<string, number | string>>(sql`
    WITH t AS (
      SELECT ${tenants.id} AS tenant FROM ${tenants}
      UNION SELECT ${tenantUsage.tenant} FROM ${tenantUsage}
      UNION SELECT DISTINCT ${binaries.tenant} FROM ${binaries}
    )
    SELECT t.tenant AS tenant,
      COALESCE(u.stored_bytes, 0) AS keptStoredBytes, COALESCE(u.binaries, 0) AS keptBinaries,
      COALESCE(u.upload_received_bytes, 0) AS keptUploadReceivedBytes,
      COALESCE(u.upload_reserved_bytes, 0) AS keptUploadReservedBytes, COALESCE(u.uploads, 0) AS keptUploads,
      COALESCE(u.metadata_bytes, 0) AS keptMetadataBytes,
      (SELECT COALESCE(SUM(${METADATA_OF_B}), 0) FROM binaries b WHERE b.tenant = t.tenant) AS metadataBytes,
      (SELECT COALESCE(SUM(length), 0) FROM binaries b WHERE b.tenant = t.tenant) AS storedBytes,
      (SELECT COUNT(*) FROM binaries b WHERE b.tenant = t.tenant) AS binaries,
      (SELECT COALESCE(SUM(received), 0) FROM uploads p WHERE p.tenant = t.tenant AND p.completed_ms IS NULL)
        AS uploadReceivedBytes,
      (SELECT COALESCE(SUM(COALESCE(length, received)), 0) FROM uploads p
        WHERE p.tenant = t.tenant AND p.completed_ms IS NULL) AS uploadReservedBytes,
      (SELECT COUNT(*) FROM uploads p WHERE p.tenant = t.tenant AND p.completed_ms IS NULL) AS uploads
    FROM t LEFT JOIN tenant_usage u ON u.tenant = t.tenant ${only}`);
  const drift: Drift[] = [];
  for (const row of rows) {
    const n = (name: string) => Number(row[name] ?? 0);
    const actual = {
      storedBytes: n("storedBytes"),
      binaries: n("binaries"),
      uploadReceivedBytes: n("uploadReceivedBytes"),
      uploadReservedBytes: n("uploadReservedBytes"),
      uploads: n("uploads"),
      metadataBytes: n("metadataBytes"),
    };
    const kept = {
      storedBytes: n("keptStoredBytes"),
      binaries: n("keptBinaries"),
      uploadReceivedBytes: n("keptUploadReceivedBytes"),
      uploadReservedBytes: n("keptUploadReservedBytes"),
      uploads: n("keptUploads"),
      metadataBytes: n("keptMetadataBytes"),
    };
    if (JSON.stringify(actual) !== JSON.stringify(kept)) drift.push({ tenant: String(row.tenant), kept, actual });
  }
  return drift;
}

/**
 * Sets a tenant's kept counters to what its `binaries` and `uploads` rows in this database add up to
 * (the quota stays). A tenant move runs it after copying the usage row (tenants/move.ts): a move to
 * another region drops the open uploads, whose reservations the copied row still counted. Setting,
 * not subtracting, so running it again changes nothing. One statement.
 */
export async function recountUsage(db: Database, tenant: string): Promise<void> {
  const open = sql`p.tenant = ${tenant} AND p.completed_ms IS NULL`;
  await db.run(sql`UPDATE ${tenantUsage} SET
    stored_bytes = (SELECT COALESCE(SUM(length), 0) FROM binaries b WHERE b.tenant = ${tenant}),
    binaries = (SELECT COUNT(*) FROM binaries b WHERE b.tenant = ${tenant}),
    upload_received_bytes = (SELECT COALESCE(SUM(received), 0) FROM uploads p WHERE ${open}),
    upload_reserved_bytes = (SELECT COALESCE(SUM(COALESCE(length, received)), 0) FROM uploads p WHERE ${open}),
    uploads = (SELECT COUNT(*) FROM uploads p WHERE ${open}),
    metadata_bytes = (SELECT COALESCE(SUM(${METADATA_OF_B}), 0) FROM binaries b WHERE b.tenant = ${tenant})
    WHERE ${tenantUsage.tenant} = ${tenant}`);
}

/**
 * After a write refused by its quota condition: throws the quota error (with the usage as it is now)
 * when adding `extraBytes` would exceed the tenant's quota, so callers can tell it from other refusals.
 */
export async function throwIfOverQuota(db: Database, tenant: string, extraBytes: number): Promise<void> {
  const usage = await readUsage(db, tenant);
  const used = usedBytes(usage);
  if (usage.storageQuota !== null && used + extraBytes > usage.storageQuota) {
    throw storageQuotaExceeded(usage.storageQuota, used, extraBytes);
  }
}

/** The storage quotas of `tenants` in this database (issue 19: the list reads them from each shard). */
export async function quotasOf(db: Database, ids: readonly string[]): Promise<Map<string, number | null>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ tenant: tenantUsage.tenant, quota: tenantUsage.storageQuota })
    .from(tenantUsage)
    .where(sql`${tenantUsage.tenant} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`);
  return new Map(rows.map((row) => [row.tenant, row.quota]));
}

/** The usage of each of `ids` kept in this database (issue 19: a shard's share of a tenant list). */
export async function usageOf(db: Database, ids: readonly string[]): Promise<Map<string, Usage>> {
  const found = new Map<string, Usage>();
  if (ids.length === 0) return found;
  const rows = await db
    .select()
    .from(tenantUsage)
    .where(sql`${tenantUsage.tenant} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`);
  for (const { tenant, ...usage } of rows) found.set(tenant, usage);
  for (const id of ids) if (!found.has(id)) found.set(id, EMPTY);
  return found;
}
