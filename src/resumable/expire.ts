/**
 * The end of a resumable upload that does not complete (docs/api.md#resumable-uploads): termination by its owner
 * and the cron sweep of expired uploads and orphaned tails. The row goes first, then what it held in R2.
 */
import type { Principal } from "../auth/principal";
import type { Stores } from "../binaries/service";
import { deleteResumable, expiredResumables, referencedTailKeys } from "../db/resumables";
import type { ResumableRow } from "../db/schema";
import { notFound } from "../errors";
import { deleteObjectQuietly, RESUMABLE_TAIL_PREFIX } from "../r2/objects";
import { loadResumable } from "./state";

async function abortQuietly(bucket: R2Bucket, key: string, multipartId: string | null): Promise<void> {
  if (!multipartId) return;
  try {
    await bucket.resumeMultipartUpload(key, multipartId).abort();
  } catch (error) {
    console.warn("R2 multipart abort failed", key, error);
  }
}

/** Termination (tus DELETE, draft cancellation): the row first, then what it held in R2. */
export async function terminateResumable(
  { db, bucket }: Stores,
  principal: Principal,
  id: string,
  nowMs: number,
): Promise<void> {
  const upload = await loadResumable(db, principal, id, nowMs);
  const deleted = await deleteResumable(db, principal.tenant, upload.id);
  if (!deleted) throw notFound("Upload");
  await releaseLeftovers(bucket, deleted);
}

/** Aborts an incomplete upload's multipart upload and deletes its tail (a completed one keeps its object). */
async function releaseLeftovers(bucket: R2Bucket, upload: ResumableRow): Promise<void> {
  if (upload.completedMs !== null) return;
  await abortQuietly(bucket, upload.r2Key, upload.multipartId);
  if (upload.tailKey) await deleteObjectQuietly(bucket, upload.tailKey);
}

/** What one upload sweep removed. */
export interface ResumableSweepReport {
  expired: number;
  orphanTails: number;
}

/**
 * The cron job: expired uploads lose their row, their multipart upload and their tail; tail
 * objects no upload references (a request that died between writing and committing one) go once
 * they are older than `minAgeMs`.
 */
export async function sweepResumables(
  shards: Stores["db"] | readonly Stores["db"][],
  bucket: R2Bucket,
  nowMs: number,
  minAgeMs: number,
): Promise<ResumableSweepReport> {
  const dbs = Array.isArray(shards) ? shards : [shards as Stores["db"]];
  const report: ResumableSweepReport = { expired: 0, orphanTails: 0 };
  for (const db of dbs) {
    for (;;) {
      const batch = await expiredResumables(db, nowMs, 100);
      for (const upload of batch) {
        const deleted = await deleteResumable(db, upload.tenant, upload.id);
        if (deleted) await releaseLeftovers(bucket, deleted);
        report.expired++;
      }
      if (batch.length < 100) break;
    }
  }
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: RESUMABLE_TAIL_PREFIX, cursor, limit: 500 });
    const old = page.objects
      .filter((object) => nowMs - object.uploaded.getTime() >= minAgeMs)
      .map((object) => object.key);
    // A bucket is shared by its region's shards (issue 19): a tail is an orphan only when no shard's upload names it.
    const referenced = new Set<string>();
    if (old.length > 0) {
      for (const db of dbs) for (const key of await referencedTailKeys(db, old)) referenced.add(key);
    }
    const orphans = old.filter((key) => !referenced.has(key));
    if (orphans.length > 0) await bucket.delete(orphans);
    report.orphanTails += orphans.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return report;
}
