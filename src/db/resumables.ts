import { and, asc, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { Database } from "./client";
import { insertWhere } from "./insert-where";
import { type ResumableRow, resumables } from "./schema";
import { throwIfOverQuota, withinQuota } from "./usage";

export type NewResumable = typeof resumables.$inferInsert;

/** The fields an append may change, all at once, under its lease. */
export type ResumableProgress = Pick<
  ResumableRow,
  "received" | "parts" | "multipartId" | "tailKey" | "tailLength" | "digests"
>;

/**
 * Inserts an upload unless its owner already has `maxOpen` incomplete, unexpired ones (one
 * statement: the count and the insert cannot be raced apart by parallel creations of one user).
 * Undefined when the owner is at the cap. The upload reserves its declared length against the
 * tenant's storage quota in the same statement; over the quota it is refused (413, nothing stored).
 */
export async function insertResumable(
  db: Database,
  row: NewResumable,
  maxOpen: number,
): Promise<ResumableRow | undefined> {
  const open = sql`(SELECT COUNT(*) FROM ${resumables} WHERE ${resumables.ownerId} = ${row.ownerId}
    AND ${resumables.completedMs} IS NULL AND ${resumables.expiresMs} > ${row.createdMs})`;
  const reserve = row.length ?? row.received ?? 0;
  const [inserted] = await insertWhere(
    db,
    resumables,
    row,
    sql`${open} < ${maxOpen} AND ${withinQuota(row.tenant, reserve)}`,
  ).returning();
  if (!inserted) await throwIfOverQuota(db, row.tenant, reserve);
  return inserted;
}

/** An upload of `tenant`; another tenant's id is simply not found. */
export async function findResumable(db: Database, tenant: string, id: string): Promise<ResumableRow | undefined> {
  return db
    .select()
    .from(resumables)
    .where(and(eq(resumables.tenant, tenant), eq(resumables.id, id)))
    .get();
}

/**
 * Takes the upload's lease for one append: only while nobody else holds a live one, the upload is
 * neither complete nor expired, and it has received exactly `offset` bytes. Undefined otherwise
 * (the caller reads the row again to say why: 409 or 423).
 */
export async function acquireLease(
  db: Database,
  tenant: string,
  id: string,
  offset: number,
  token: string,
  nowMs: number,
  untilMs: number,
): Promise<ResumableRow | undefined> {
  const [row] = await db
    .update(resumables)
    .set({ lockToken: token, lockUntilMs: untilMs })
    .where(
      and(
        eq(resumables.tenant, tenant),
        eq(resumables.id, id),
        eq(resumables.received, offset),
        isNull(resumables.completedMs),
        sql`${resumables.expiresMs} > ${nowMs}`,
        or(isNull(resumables.lockToken), lt(resumables.lockUntilMs, nowMs)),
      ),
    )
    .returning();
  return row;
}

/** Extends a lease still held by `token`; false when another request took it over. */
export async function renewLease(db: Database, id: string, token: string, untilMs: number): Promise<boolean> {
  const rows = await db
    .update(resumables)
    .set({ lockUntilMs: untilMs })
    .where(and(eq(resumables.id, id), eq(resumables.lockToken, token)))
    .returning({ id: resumables.id });
  return rows.length === 1;
}

/** A part number never handed out before for this upload (renews the lease); undefined once the lease is lost. */
export async function reservePartNumber(
  db: Database,
  id: string,
  token: string,
  untilMs: number,
): Promise<number | undefined> {
  const [row] = await db
    .update(resumables)
    .set({ nextPart: sql`${resumables.nextPart} + 1`, lockUntilMs: untilMs })
    .where(and(eq(resumables.id, id), eq(resumables.lockToken, token)))
    .returning({ next: resumables.nextPart });
  return row ? row.next - 1 : undefined;
}

/**
 * Stores an append's progress while `token` still holds the lease; false otherwise. An upload of
 * deferred length reserves what it has received (or the length once declared): growth past the
 * tenant's storage quota is refused with 413 and nothing of the append is committed.
 */
export async function commitProgress(
  db: Database,
  id: string,
  token: string,
  progress: ResumableProgress & Partial<Pick<ResumableRow, "length" | "expiresMs">>,
  untilMs: number,
): Promise<boolean> {
  const reservedAfter = sql`COALESCE(${progress.length ?? null}, ${resumables.length}, ${progress.received})`;
  const growth = sql`${reservedAfter} - COALESCE(${resumables.length}, ${resumables.received})`;
  const where = and(eq(resumables.id, id), eq(resumables.lockToken, token));
  const rows = await db
    .update(resumables)
    .set({ ...progress, lockUntilMs: untilMs })
    .where(and(where, sql`(${growth} <= 0 OR ${withinQuota(sql`${resumables.tenant}`, growth)})`))
    .returning({ id: resumables.id });
  if (rows.length === 1) return true;
  const row = await db.select().from(resumables).where(where).get();
  if (row) {
    const growthBytes = (progress.length ?? row.length ?? progress.received) - (row.length ?? row.received);
    if (growthBytes > 0) await throwIfOverQuota(db, row.tenant, growthBytes);
  }
  return false;
}

/** Gives the lease back (if still ours), so the next append need not wait for it to run out. */
export async function releaseLease(db: Database, id: string, token: string): Promise<void> {
  await db
    .update(resumables)
    .set({ lockToken: null, lockUntilMs: 0 })
    .where(and(eq(resumables.id, id), eq(resumables.lockToken, token)));
}

/** Marks the upload complete (still under the lease): it then only answers HEAD. */
export async function markCompleted(
  db: Database,
  id: string,
  token: string,
  progress: ResumableProgress & Pick<ResumableRow, "binaryId">,
  nowMs: number,
): Promise<boolean> {
  const rows = await db
    .update(resumables)
    .set({ ...progress, completedMs: nowMs, lockToken: null, lockUntilMs: 0 })
    .where(and(eq(resumables.id, id), eq(resumables.lockToken, token)))
    .returning({ id: resumables.id });
  return rows.length === 1;
}

/** Removes an upload's row and returns it (its R2 leftovers are the caller's to delete). */
export async function deleteResumable(db: Database, tenant: string, id: string): Promise<ResumableRow | undefined> {
  const [row] = await db
    .delete(resumables)
    .where(and(eq(resumables.tenant, tenant), eq(resumables.id, id)))
    .returning();
  return row;
}

/** Deletes an upload only while it is still expired at `nowMs` (the sweep; one renewed meanwhile stays). */
export async function deleteExpiredResumable(
  db: Database,
  tenant: string,
  id: string,
  nowMs: number,
): Promise<ResumableRow | undefined> {
  const [row] = await db
    .delete(resumables)
    .where(and(eq(resumables.tenant, tenant), eq(resumables.id, id), lt(resumables.expiresMs, nowMs)))
    .returning();
  return row;
}

/** What the list of uploads shows of each: no parts, digest states, fragments or raw metadata. */
const listedColumns = {
  id: resumables.id,
  received: resumables.received,
  length: resumables.length,
  name: resumables.name,
  type: resumables.type,
  contentType: resumables.contentType,
  replace: resumables.replace,
  binaryId: resumables.binaryId,
  createdMs: resumables.createdMs,
  expiresMs: resumables.expiresMs,
};
export type ListedResumable = Pick<ResumableRow, keyof typeof listedColumns>;

/** A batch of listed uploads; `inWindow` is how many rows the LIMIT/OFFSET window held before the byte cut. */
export interface ListedBatch {
  rows: ListedResumable[];
  inWindow: number;
}

/** The bytes of a row's variable-size listed columns (names, types; everything else is a number or short). */
const rowBytes = sql<number>`length(CAST(${resumables.name} AS BLOB)) + length(CAST(${resumables.type} AS BLOB))
  + length(CAST(${resumables.contentType} AS BLOB))`;

/**
 * A user's (by `users.uid`) incomplete, unexpired uploads, oldest first, with only the listed
 * columns, `limit` rows from `offset` — but cut where the rows' names and types pass `maxBytes`
 * (always at least one row), so what D1 returns for one statement is bounded by bytes whatever the
 * page size and the open-upload cap. The caller asks again from where the cut fell.
 */
export async function listOpenResumables(
  db: Database,
  tenant: string,
  ownerId: string,
  nowMs: number,
  limit: number,
  offset: number,
  maxBytes: number,
): Promise<ListedBatch> {
  const window = db
    .select({ ...listedColumns, bytes: rowBytes.as("bytes") })
    .from(resumables)
    .where(
      and(
        eq(resumables.tenant, tenant),
        eq(resumables.ownerId, ownerId),
        isNull(resumables.completedMs),
        sql`${resumables.expiresMs} > ${nowMs}`,
      ),
    )
    .orderBy(asc(resumables.createdMs), asc(resumables.id))
    .limit(limit)
    .offset(offset)
    .as("window");
  const sized = db
    .select({
      id: window.id,
      received: window.received,
      length: window.length,
      name: window.name,
      type: window.type,
      contentType: window.contentType,
      replace: window.replace,
      binaryId: window.binaryId,
      createdMs: window.createdMs,
      expiresMs: window.expiresMs,
      bytes: window.bytes,
      before: sql<number>`coalesce(sum(${window.bytes}) OVER (ORDER BY ${window.createdMs}, ${window.id}
        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)`.as("before"),
      inWindow: sql<number>`count(*) OVER ()`.as("in_window"),
    })
    .from(window)
    .as("sized");
  const rows = await db
    .select()
    .from(sized)
    .where(sql`${sized.before} + ${sized.bytes} <= ${maxBytes} OR ${sized.before} = 0`)
    .orderBy(asc(sized.createdMs), asc(sized.id))
    .all();
  return {
    rows: rows.map(({ bytes: _bytes, before: _before, inWindow: _inWindow, ...row }) => row),
    inWindow: rows[0]?.inWindow ?? 0,
  };
}

/** Uploads whose expiry has passed (complete or not), for the sweep. */
export async function expiredResumables(db: Database, nowMs: number, limit: number): Promise<ResumableRow[]> {
  return db
    .select()
    .from(resumables)
    .where(lt(resumables.expiresMs, nowMs))
    .orderBy(asc(resumables.expiresMs))
    .limit(limit)
    .all();
}

/** Which of `keys` an upload references as its tail; chunked under D1's 100-parameter cap. */
export async function referencedTailKeys(db: Database, keys: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < keys.length; i += 90) {
    const rows = await db
      .select({ key: resumables.tailKey })
      .from(resumables)
      .where(inArray(resumables.tailKey, keys.slice(i, i + 90)))
      .all();
    for (const row of rows) if (row.key) found.add(row.key);
  }
  return found;
}
