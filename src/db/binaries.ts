import { and, asc, count, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { Database } from "./client";
import { type BinaryRow, binaries, counters } from "./schema";

export type NewBinary = typeof binaries.$inferInsert;

/** Filters of GET /inventory/binaries; all are ANDed. */
export interface BinaryFilter {
  tenant: string;
  type?: string;
  owner?: string;
  ids?: number[];
  text?: string;
}

/**
 * Commits a binary's row once its bytes are in R2, taking the next managed object id in the same
 * batch (one D1 round trip, atomic): ids ascend and are never handed out twice.
 */
export async function insertBinary(db: Database, row: Omit<NewBinary, "id">): Promise<BinaryRow> {
  const [, inserted] = await db.batch([
    db
      .update(counters)
      .set({ value: sql`${counters.value} + 1` })
      .where(eq(counters.name, "managedObjectId")),
    db
      .insert(binaries)
      .values({
        ...row,
        id: sql`(SELECT ${counters.value} FROM ${counters} WHERE ${counters.name} = 'managedObjectId')`,
      })
      .returning(),
  ]);
  if (!inserted[0]) throw new Error("binary insert returned no row");
  return inserted[0];
}

/** The binary `id` of `tenant`; another tenant's id is simply not found. */
export async function findBinary(db: Database, tenant: string, id: number): Promise<BinaryRow | undefined> {
  return db
    .select()
    .from(binaries)
    .where(and(eq(binaries.tenant, tenant), eq(binaries.id, id)))
    .get();
}

function whereOf(filter: BinaryFilter): SQL | undefined {
  const conditions: (SQL | undefined)[] = [eq(binaries.tenant, filter.tenant)];
  if (filter.type !== undefined) conditions.push(eq(binaries.type, filter.type));
  if (filter.owner !== undefined) conditions.push(eq(binaries.owner, filter.owner));
  // One bound parameter however many ids: D1 allows at most 100 per statement.
  if (filter.ids !== undefined)
    conditions.push(sql`${binaries.id} IN (SELECT value FROM json_each(${JSON.stringify(filter.ids)}))`);
  if (filter.text !== undefined) {
    // instr, not LIKE: SQLite refuses LIKE patterns past a length limit ("pattern too complex").
    conditions.push(sql`instr(lower(${binaries.name}), lower(${filter.text})) > 0`);
  }
  return and(...conditions);
}

/** One page of binaries by ascending id, paged in SQL. */
export async function listBinaries(
  db: Database,
  filter: BinaryFilter,
  limit: number,
  offset: number,
): Promise<BinaryRow[]> {
  return db.select().from(binaries).where(whereOf(filter)).orderBy(asc(binaries.id)).limit(limit).offset(offset).all();
}

/** How many binaries match; only run when a client asks for totals. */
export async function countBinaries(db: Database, filter: BinaryFilter): Promise<number> {
  const [row] = await db.select({ n: count() }).from(binaries).where(whereOf(filter));
  return row?.n ?? 0;
}

/**
 * Points a binary at new bytes, but only if it still points at `expectedKey`: a concurrent
 * replace in between makes this return undefined instead of losing track of an object.
 */
export async function switchContent(
  db: Database,
  tenant: string,
  id: number,
  expectedKey: string,
  content: Pick<BinaryRow, "r2Key" | "length" | "md5" | "contentType" | "lastUpdated">,
): Promise<BinaryRow | undefined> {
  const [row] = await db
    .update(binaries)
    .set({ ...content, revpos: sql`${binaries.revpos} + 1` })
    .where(and(eq(binaries.tenant, tenant), eq(binaries.id, id), eq(binaries.r2Key, expectedKey)))
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
): Promise<{ row: BinaryRow; previousKey: string } | undefined> {
  const where = and(eq(binaries.tenant, tenant), eq(binaries.id, id));
  const [before, after] = await db.batch([
    db.select({ r2Key: binaries.r2Key }).from(binaries).where(where),
    db
      .update(binaries)
      .set({ ...content, revpos: sql`${binaries.revpos} + 1` })
      .where(where)
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

/**
 * Applies a metadata change in one UPDATE, so concurrent changes of different fragments all
 * survive (no read-modify-write in the worker): fragments sent replace those of the same name,
 * `null` removes one, the others stay. The merged fragments may not exceed `maxBytes` of JSON.
 * Undefined when the row is gone or the result would be too large.
 */
export async function mergeMetadata(
  db: Database,
  tenant: string,
  id: number,
  change: MetadataChange,
  maxBytes: number,
): Promise<BinaryRow | undefined> {
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
  const [row] = await db
    .update(binaries)
    .set({
      fragments: merged,
      lastUpdated: change.lastUpdated,
      ...(change.name ? { name: change.name } : {}),
      ...(change.type ? { type: change.type } : {}),
    })
    .where(and(eq(binaries.tenant, tenant), eq(binaries.id, id), sql`length(${merged}) <= ${maxBytes}`))
    .returning();
  return row;
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

/** Which of `keys` some row references (for the orphan sweep); chunked under D1's 100-parameter cap. */
export async function referencedKeys(db: Database, keys: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < keys.length; i += 90) {
    const rows = await db
      .select({ key: binaries.r2Key })
      .from(binaries)
      .where(inArray(binaries.r2Key, keys.slice(i, i + 90)))
      .all();
    for (const row of rows) found.add(row.key);
  }
  return found;
}
