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

/** Changes name, type and fragments; never the bytes' fields. */
export async function updateMetadata(
  db: Database,
  tenant: string,
  id: number,
  fields: Pick<BinaryRow, "name" | "type" | "fragments" | "lastUpdated">,
): Promise<BinaryRow | undefined> {
  const [row] = await db
    .update(binaries)
    .set(fields)
    .where(and(eq(binaries.tenant, tenant), eq(binaries.id, id)))
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
