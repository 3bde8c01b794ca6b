import { lt, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { staleMultiparts, untrackMultipart } from "../db/r2-multiparts";
import { binaries, r2Multiparts, sweptKeys } from "../db/schema";
import { RESUMABLE_TAIL_PREFIX } from "../r2/objects";

/** What one sweep looked at and removed. */
export interface SweepReport {
  scanned: number;
  deleted: string[];
  /** Tracked R2 multipart uploads of binary bodies that were aborted as left by a crash. */
  abortedUploads: number;
}

/** Multipart uploads of binary bodies older than this are taken for crashed requests and aborted. */
export const MULTIPART_MAX_AGE_MS = 24 * 3_600_000;
/** Claims outlive any upload that could still try to commit a claimed key. */
const CLAIM_KEEP_MS = 7 * 24 * 3_600_000;

/**
 * Removes R2 objects that no row references and that are older than `minAgeMs`. Such objects are
 * left by a crash between writing bytes and committing the row, or by a failed delete
 * (docs/api.md#consistency-between-r2-and-d1). Each candidate is first claimed in D1, in one statement that re-checks
 * that no row and no tracked multipart upload uses it; no row can be committed pointing at a claimed key, so an upload
 * that stalled past `minAgeMs` fails (408) instead of pointing at deleted bytes. Then the tracked multipart uploads of
 * binary bodies older than a day are aborted.
 */
export async function sweepOrphans(
  shards: Database | readonly Database[],
  bucket: R2Bucket,
  minAgeMs: number,
  now = Date.now(),
): Promise<SweepReport> {
  const dbs = Array.isArray(shards) ? shards : [shards as Database];
  const report: SweepReport = { scanned: 0, deleted: [], abortedUploads: 0 };
  let cursor: string | undefined;
  do {
    const page = await sweepOrphanPage(dbs, bucket, minAgeMs, now, cursor);
    report.scanned += page.scanned;
    report.deleted.push(...page.deleted);
    cursor = page.cursor;
  } while (cursor);
  for (const db of dbs) {
    for (;;) {
      const aborted = await abortStaleBodies(db, bucket, now);
      report.abortedUploads += aborted;
      if (aborted < STALE_BATCH) break;
    }
    await dropOldClaims(db, now);
  }
  return report;
}

/** One listing page of the orphan sweep, and where the next starts (undefined: the last). */
export interface OrphanPage {
  scanned: number;
  deleted: string[];
  cursor?: string;
}

/**
 * One page of the orphan sweep (the cron's Workflow runs a step per page, jobs/sweep-workflow.ts): lists
 * up to 500 objects from `cursor`, claims the old unreferenced ones in every shard and deletes them.
 * Run again (a retried step), it claims and deletes the same keys again: a no-op for those gone.
 */
export async function sweepOrphanPage(
  dbs: readonly Database[],
  bucket: R2Bucket,
  minAgeMs: number,
  now: number,
  cursor?: string,
): Promise<OrphanPage> {
  const page = await bucket.list({ cursor, limit: 500 });
  const old = page.objects
    // Tails of resumable uploads are referenced by their upload, not a binary: the upload sweep's.
    .filter((object) => !object.key.startsWith(RESUMABLE_TAIL_PREFIX) && now - object.uploaded.getTime() >= minAgeMs)
    .map((object) => object.key);
  const deleted = old.length > 0 ? await claimEverywhere(dbs, old, now) : [];
  if (deleted.length > 0) await bucket.delete(deleted);
  return { scanned: page.objects.length, deleted, cursor: page.truncated ? page.cursor : undefined };
}

/** Tracked multipart uploads of bodies aborted per call (fewer returned: none are left). */
export const STALE_BATCH = 100;

/** Aborts up to STALE_BATCH tracked multipart uploads of binary bodies older than a day (crashed requests). */
export function abortStaleBodies(db: Database, bucket: R2Bucket, now: number): Promise<number> {
  return abortStaleUploads(db, bucket, "binary", now - MULTIPART_MAX_AGE_MS);
}

/** Drops the orphan sweep's claims older than a week (no upload can still commit a claimed key). */
export async function dropOldClaims(db: Database, now: number): Promise<void> {
  await db.delete(sweptKeys).where(lt(sweptKeys.sweptAtMs, now - CLAIM_KEEP_MS));
}

/**
 * A bucket is shared by the shards of its region (issue 19), and a key's row may be in any of them
 * (a tenant moved within its region keeps its bytes): a key is an orphan only when every shard
 * claims it. Claims taken in some shards but not all are released again.
 */
async function claimEverywhere(dbs: readonly Database[], keys: string[], now: number): Promise<string[]> {
  const claims: Set<string>[] = [];
  for (const db of dbs) claims.push(new Set(await claimOrphans(db, keys, now)));
  const everywhere = keys.filter((key) => claims.every((claimed) => claimed.has(key)));
  const all = new Set(everywhere);
  for (const [i, claimed] of claims.entries()) {
    const partial = [...claimed].filter((key) => !all.has(key));
    const db = dbs[i];
    if (partial.length > 0 && db) await releaseClaims(db, partial);
  }
  return everywhere;
}

/** Releases claims on keys another shard still references. */
async function releaseClaims(db: Database, keys: string[]): Promise<void> {
  await db.run(sql`DELETE FROM ${sweptKeys} WHERE key IN (SELECT value FROM json_each(${JSON.stringify(keys)}))`);
}

/** Claims those of `keys` that no row references and no tracked multipart upload writes; returns them. */
async function claimOrphans(db: Database, keys: string[], now: number): Promise<string[]> {
  // One bound parameter for all keys (D1 allows 100 per statement).
  const rows = await db.all<{ key: string }>(sql`
    INSERT INTO ${sweptKeys} (key, swept_at_ms)
    SELECT value, ${now} FROM json_each(${JSON.stringify(keys)})
    WHERE NOT EXISTS (SELECT 1 FROM ${binaries} WHERE ${binaries.r2Key} = value)
      AND NOT EXISTS (SELECT 1 FROM ${r2Multiparts} WHERE ${r2Multiparts.key} = value)
    ON CONFLICT (key) DO UPDATE SET swept_at_ms = excluded.swept_at_ms
    RETURNING key`);
  return rows.map((row) => row.key);
}

/**
 * Aborts the tracked R2 multipart uploads of `purpose` created before `before` (ms) and forgets
 * them; returns how many. Shared by every feature that tracks its multipart uploads.
 */
export async function abortStaleUploads(
  db: Database,
  bucket: R2Bucket,
  purpose: string,
  before: number,
): Promise<number> {
  let aborted = 0;
  for (const upload of await staleMultiparts(db, purpose, before)) {
    // An upload that completed or was aborted meanwhile makes abort() throw: it is gone either way.
    await bucket
      .resumeMultipartUpload(upload.key, upload.uploadId)
      .abort()
      .catch(() => undefined);
    await untrackMultipart(db, upload.uploadId);
    aborted++;
  }
  return aborted;
}
