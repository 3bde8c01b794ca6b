import { and, asc, count, eq, inArray, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import { resumableExpired, tenantGone } from "../errors";
import { pageInBatches } from "./batches";
import type { Database } from "./client";
import { insertWhere } from "./insert-where";
import { untrackKey } from "./r2-multiparts";
import { type BinaryRow, binaries, counters, sweptKeys, tenants } from "./schema";
import { metadataSize, throwIfOverQuota, type Usage, usageOfRow, usageStatement, withinQuota } from "./usage";

export type NewBinary = typeof binaries.$inferInsert;

/** Filters of GET /inventory/binaries; all are ANDed. */
export interface BinaryFilter {
  tenant: string;
  type?: string;
  owner?: string;
  ids?: number[];
  text?: string;
  /** Further conditions (fragmentType, the inventory query language), each 0 or 1 per row. */
  conditions?: SQL[];
  /** Sort keys before the ascending id that always ends the order. */
  orderBy?: SQL[];
}

/** The sweep has not claimed `key`: its bytes are still there (docs/api.md#consistency-between-r2-and-d1). */
const notSwept = (key: string) => sql`NOT EXISTS (SELECT 1 FROM ${sweptKeys} WHERE ${sweptKeys.key} = ${key})`;

/** Whether the orphan sweep has claimed `key` for deletion. */
export async function isSwept(db: Database, key: string): Promise<boolean> {
  return (await db.select({ key: sweptKeys.key }).from(sweptKeys).where(eq(sweptKeys.key, key)).get()) !== undefined;
}

/** Conditions on committing a new row, beyond its own values. */
export interface InsertGuard {
  /** The tenant must have been created no later than this (ISO time): not deleted and created anew since. */
  tenantCreatedBy?: string;
  /** Also forget the tracked multipart upload of the row's key, in the same batch. */
  untrack?: boolean;
  /**
   * Bytes the row adds to its tenant's usage beyond what is already reserved for it (default: the
   * row's length and metadata, as for POST; 0 for a completed resumable upload, whose length its
   * upload reserved and whose metadata is not checked again). The insert only
   * happens while the tenant stays within its storage quota (docs/api.md#usage-and-quotas).
   */
  quotaBytes?: number;
  /** The number of the shard this database is (issue 19): ids end in it, so they are unique across shards. */
  shard?: number;
}

/** Binary ids are `sequence * ID_SHARD_SPACE + shard number` (docs/scaling.md "Ids"). */
export const ID_SHARD_SPACE = 1000;

/**
 * Commits a binary's row once its bytes are in R2, taking the next managed object id in the same
 * batch (one D1 round trip, atomic): ids ascend within a shard and are never handed out twice in
 * any shard (the id ends in the shard's number, guard.shard). The row is only
 * written while its tenant exists (created no later than `guard.tenantCreatedBy`) and the sweep
 * has not claimed its key; otherwise 404 (tenant gone) or 408 (bytes swept), and the caller removes
 * the bytes. An id may then be skipped.
 */
export async function insertBinary(
  db: Database,
  row: Omit<NewBinary, "id">,
  guard: InsertGuard = {},
): Promise<BinaryRow> {
  const tenantExists = sql`EXISTS (SELECT 1 FROM ${tenants} WHERE ${tenants.id} = ${row.tenant}${
    guard.tenantCreatedBy === undefined ? sql`` : sql` AND ${tenants.creationTime} <= ${guard.tenantCreatedBy}`
  })`;
  const shard = guard.shard ?? 0;
  if (!Number.isSafeInteger(shard) || shard < 0 || shard >= ID_SHARD_SPACE) throw new Error(`bad shard ${shard}`);
  const sequence = sql`(SELECT ${counters.value} FROM ${counters} WHERE ${counters.name} = 'idSequence')`;
  const id = sql`(${sequence} * ${sql.raw(String(ID_SHARD_SPACE))} + ${sql.raw(String(shard))})`;
  const takeId = db
    .update(counters)
    .set({ value: sql`${counters.value} + 1` })
    .where(eq(counters.name, "idSequence"));
  const quotaBytes = guard.quotaBytes ?? row.length + metadataSize(row);
  const quota = withinQuota(row.tenant, quotaBytes);
  const insert = insertWhere(
    db,
    binaries,
    { ...row, id },
    sql`${tenantExists} AND ${notSwept(row.r2Key)} AND ${quota}`,
  ).returning();
  const [, inserted] = guard.untrack
    ? await db.batch([takeId, insert, untrackKey(db, row.r2Key)])
    : await db.batch([takeId, insert]);
  if (inserted[0]) return inserted[0];
  if (await isSwept(db, row.r2Key)) throw resumableExpired();
  await throwIfOverQuota(db, row.tenant, quotaBytes);
  throw tenantGone();
}

/** Ids per query of findBinaries: D1 binds at most 100 parameters per statement (the tenant is one). */
const IDS_PER_QUERY = 90;

/** The binaries of `tenant` among `ids`, in no particular order; unknown ids are simply absent. */
export async function findBinaries(db: Database, tenant: string, ids: readonly number[]): Promise<BinaryRow[]> {
  const chunks: number[][] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) chunks.push(ids.slice(i, i + IDS_PER_QUERY));
  const found = await Promise.all(
    chunks.map((chunk) =>
      db
        .select()
        .from(binaries)
        .where(and(eq(binaries.tenant, tenant), inArray(binaries.id, chunk))),
    ),
  );
  return found.flat();
}

/**
 * The binary `id` of `tenant` and the tenant's usage, in one round trip (a batch of two reads): a
 * replace of known size checks its quota before storing a byte (docs/api.md#usage-and-quotas).
 */
export async function findBinaryAndUsage(
  db: Database,
  tenant: string,
  id: number,
): Promise<{ row: BinaryRow | undefined; usage: Usage }> {
  const [rows, usageRows] = await db.batch([
    db
      .select()
      .from(binaries)
      .where(and(eq(binaries.tenant, tenant), eq(binaries.id, id))),
    usageStatement(db, tenant),
  ]);
  return { row: rows[0], usage: usageOfRow(tenant, usageRows[0]) };
}

/** The binary `id` of `tenant`; another tenant's id is simply not found. */
export async function findBinary(db: Database, tenant: string, id: number): Promise<BinaryRow | undefined> {
  return db
    .select()
    .from(binaries)
    .where(and(eq(binaries.tenant, tenant), eq(binaries.id, id)))
    .get();
}

/**
 * `text=x` (docs/api.md#collection-and-paging, docs/api.md#inventory-queries): x occurs in the name, the type or any
 * string value of the fragments, ignoring the case of ASCII letters. instr, not LIKE: SQLite refuses LIKE patterns past
 * a length limit ("pattern too complex"). Fragments are only searched when they are valid JSON.
 */
function textMatches(text: string): SQL {
  const needle = sql`lower(${text})`;
  const strings = sql`json_tree(${binaries.fragments}) AS t WHERE t.type = 'text'`;
  const inFragments = sql`EXISTS (SELECT 1 FROM ${strings} AND instr(lower(t.atom), ${needle}) > 0)`;
  const inColumns = sql`instr(lower(${binaries.name}), ${needle}) > 0 OR instr(lower(${binaries.type}), ${needle}) > 0`;
  return sql`(${inColumns} OR (CASE WHEN json_valid(${binaries.fragments}) THEN ${inFragments} ELSE 0 END))`;
}

function whereOf(filter: BinaryFilter): SQL | undefined {
  const conditions: (SQL | undefined)[] = [eq(binaries.tenant, filter.tenant)];
  if (filter.type !== undefined) conditions.push(eq(binaries.type, filter.type));
  if (filter.owner !== undefined) conditions.push(eq(binaries.owner, filter.owner));
  // One bound parameter however many ids: D1 allows at most 100 per statement.
  if (filter.ids !== undefined)
    conditions.push(sql`${binaries.id} IN (SELECT value FROM json_each(${JSON.stringify(filter.ids)}))`);
  if (filter.text !== undefined) conditions.push(textMatches(filter.text));
  for (const condition of filter.conditions ?? []) conditions.push(condition);
  return and(...conditions);
}

/** One page of binaries by ascending id, paged in SQL. */
export async function listBinaries(
  db: Database,
  filter: BinaryFilter,
  limit: number,
  offset: number,
): Promise<BinaryRow[]> {
  return db
    .select()
    .from(binaries)
    .where(whereOf(filter))
    .orderBy(...(filter.orderBy ?? []), asc(binaries.id))
    .limit(limit)
    .offset(offset)
    .all();
}

/** One page of binaries (`limit` rows from `offset`, by ascending id) in batches of at most `batchSize` rows. */
export function listBinaryBatches(
  db: Database,
  filter: BinaryFilter,
  limit: number,
  offset: number,
  batchSize: number,
): AsyncGenerator<BinaryRow[], void, undefined> {
  return pageInBatches(limit, offset, async (left, from) => {
    const size = Math.min(batchSize, left);
    const rows = await listBinaries(db, filter, size, from);
    return { rows, last: rows.length < size };
  });
}

/** How many binaries match; only run when a client asks for totals. */
export async function countBinaries(db: Database, filter: BinaryFilter): Promise<number> {
  const [row] = await db.select({ n: count() }).from(binaries).where(whereOf(filter));
  return row?.n ?? 0;
}

/**
 * The quota condition of a replace (docs/api.md#usage-and-quotas): it adds the new length minus the
 * old one; one that does not grow the binary is always allowed (so a tenant over a lowered quota can
 * still shrink its files). None for bytes an upload already reserved (`reserved`).
 */
function replaceQuota(tenant: string, newLength: number, reserved: boolean): SQL | undefined {
  if (reserved) return undefined;
  return sql`(${newLength} <= ${binaries.length} OR ${withinQuota(tenant, sql`${newLength} - ${binaries.length}`)})`;
}

/**
 * Points a binary at new bytes, but only if it still points at `expectedKey`: a concurrent
 * replace in between makes this return undefined instead of losing track of an object. Also
 * undefined when the growth would exceed the tenant's quota (unless `reserved`).
 */
export async function switchContent(
  db: Database,
  tenant: string,
  id: number,
  expectedKey: string,
  content: Pick<BinaryRow, "r2Key" | "length" | "md5" | "contentType" | "lastUpdated">,
  reserved = false,
): Promise<BinaryRow | undefined> {
  const [row] = await db
    .update(binaries)
    .set({ ...content, revpos: sql`${binaries.revpos} + 1` })
    .where(
      and(
        eq(binaries.tenant, tenant),
        eq(binaries.id, id),
        eq(binaries.r2Key, expectedKey),
        notSwept(content.r2Key),
        replaceQuota(tenant, content.length, reserved),
      ),
    )
    .returning();
  return row;
}

/**
 * Points a binary at new bytes whatever it held, in one atomic batch that also reads the key it
 * replaced (so exactly that object can be deleted): concurrent replaces all succeed, the last
 * writer wins, and no replace is refused while the row exists. Undefined when the row is gone.
 */
export async function swapContent(
  db: Database,
  tenant: string,
  id: number,
  content: Pick<BinaryRow, "r2Key" | "length" | "md5" | "contentType" | "lastUpdated">,
  reserved = false,
): Promise<{ row: BinaryRow; previousKey: string } | undefined> {
  const where = and(eq(binaries.tenant, tenant), eq(binaries.id, id));
  const [before, after] = await db.batch([
    db.select({ r2Key: binaries.r2Key }).from(binaries).where(where),
    db
      .update(binaries)
      .set({ ...content, revpos: sql`${binaries.revpos} + 1` })
      .where(and(where, notSwept(content.r2Key), replaceQuota(tenant, content.length, reserved)))
      .returning(),
  ]);
  const row = after[0];
  const previousKey = before[0]?.r2Key;
  return row && previousKey !== undefined ? { row, previousKey } : undefined;
}

/** A metadata change: name and type when given, fragments merged in (a null value removes one). */
export interface MetadataChange {
  name?: string;
  type?: string;
  fragments: Record<string, unknown>;
  lastUpdated: string;
}

/** The SQL pieces of a metadata change: the merged fragments, and the metadata bytes it adds. */
function metadataMerge(change: MetadataChange) {
  const patch = JSON.stringify(change.fragments);
  // A row stored before the depth limit may hold JSON too deep for SQLite: merge into {} then.
  const current = sql`CASE WHEN json_valid(${binaries.fragments}) THEN ${binaries.fragments} ELSE '{}' END`;
  // `->` keeps each value's JSON text exactly (numbers too); json() restores the JSON subtype
  // that the UNION drops, so objects are not stored as strings.
  const merged = sql`(SELECT json_group_object(key, json(value)) FROM (
    SELECT o.key AS key, ${current} -> o.fullkey AS value FROM json_each(${current}) AS o
      WHERE o.key NOT IN (SELECT p.key FROM json_each(${patch}) AS p)
    UNION ALL
    SELECT p.key, ${patch} -> p.fullkey FROM json_each(${patch}) AS p WHERE p.type != 'null'))`;
  const bytes = (text: SQLWrapper) => sql`COALESCE(length(CAST(${text} AS BLOB)), 0)`;
  const name = change.name ? sql`${change.name}` : sql`${binaries.name}`;
  const type = change.type ? sql`${change.type}` : sql`${binaries.type}`;
  // What the change adds to the tenant's metadata bytes (docs/api.md#usage-and-quotas), as the triggers count it.
  const grows = sql`(${bytes(name)} + ${bytes(type)} + ${bytes(merged)}
    - ${bytes(binaries.name)} - ${bytes(binaries.type)} - ${bytes(binaries.fragments)})`;
  return { merged, grows };
}

/**
 * Applies a metadata change in one UPDATE, so concurrent changes of different fragments all
 * survive (no read-modify-write in the worker): fragments sent replace those of the same name,
 * `null` removes one, the others stay. The merged fragments may not exceed `maxBytes` of JSON, and
 * a change that grows the metadata must keep the tenant within its storage quota (one that does not
 * grow it always applies). Undefined when the row is gone or the change is refused: `whyRefused` tells.
 */
export async function mergeMetadata(
  db: Database,
  tenant: string,
  id: number,
  change: MetadataChange,
  maxBytes: number,
): Promise<BinaryRow | undefined> {
  const { merged, grows } = metadataMerge(change);
  const [row] = await db
    .update(binaries)
    .set({
      fragments: merged,
      lastUpdated: change.lastUpdated,
      ...(change.name ? { name: change.name } : {}),
      ...(change.type ? { type: change.type } : {}),
    })
    .where(
      and(
        eq(binaries.tenant, tenant),
        eq(binaries.id, id),
        sql`length(${merged}) <= ${maxBytes}`,
        sql`(${grows} <= 0 OR ${withinQuota(tenant, grows)})`,
      ),
    )
    .returning();
  return row;
}

/**
 * Why mergeMetadata refused a change (read after the refusal, one statement): the merged fragments'
 * JSON length and the metadata bytes the change would add; undefined when the row is gone.
 */
export async function metadataChangeSize(
  db: Database,
  tenant: string,
  id: number,
  change: MetadataChange,
): Promise<{ fragmentsLength: number; grows: number } | undefined> {
  const { merged, grows } = metadataMerge(change);
  return db
    .select({ fragmentsLength: sql<number>`length(${merged})`, grows: sql<number>`${grows}` })
    .from(binaries)
    .where(and(eq(binaries.tenant, tenant), eq(binaries.id, id)))
    .get();
}

/** Removes a binary's row (only while it holds `expectedKey`, when given) and returns it. */
export async function deleteBinaryRow(
  db: Database,
  tenant: string,
  id: number,
  expectedKey?: string,
): Promise<BinaryRow | undefined> {
  const where = and(
    eq(binaries.tenant, tenant),
    eq(binaries.id, id),
    expectedKey === undefined ? undefined : eq(binaries.r2Key, expectedKey),
  );
  const [row] = await db.delete(binaries).where(where).returning();
  return row;
}
