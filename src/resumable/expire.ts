/**
 * The end of a resumable upload that does not complete (docs/api.md#resumable-uploads): termination by its owner
 * and the cron sweep of expired uploads and orphaned tails. The row goes first, then what it held in R2.
 */
import type { Principal } from "../auth/principal";
import type { Stores } from "../binaries/service";
import {
  deleteExpiredResumable,
  deleteResumable,
  expiredResumables,
  findResumable,
  referencedTailKeys,
} from "../db/resumables";
import type { ResumableRow } from "../db/schema";
import { notFound } from "../errors";
import { RESUMABLE_TAIL_PREFIX, releaseResumableObjects } from "../r2/objects";
import { loadResumable } from "./state";

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

/** What an expired upload holds in R2, as the sweep lists it (and a Workflow step records it). */
export type ExpiredUpload = Pick<ResumableRow, "id" | "tenant" | "r2Key" | "multipartId" | "tailKey" | "completedMs">;

/** Aborts an incomplete upload's multipart upload and deletes its tail (a completed one keeps its object). */
async function releaseLeftovers(bucket: R2Bucket, upload: ExpiredUpload): Promise<void> {
  if (upload.completedMs !== null) return;
  await releaseResumableObjects(bucket, upload);
}

/** What one upload sweep removed. */
export interface ResumableSweepReport {
  expired: number;
  orphanTails: number;
}

/** Uploads the upload sweep handles per batch (fewer listed: none are left). */
export const EXPIRED_BATCH = 100;

/** Up to EXPIRED_BATCH uploads whose expiry has passed by `nowMs`, with what they hold in R2. */
export async function listExpiredUploads(db: Stores["db"], nowMs: number): Promise<ExpiredUpload[]> {
  return (await expiredResumables(db, nowMs, EXPIRED_BATCH)).map(
    ({ id, tenant, r2Key, multipartId, tailKey, completedMs }) => ({
      id,
      tenant,
      r2Key,
      multipartId,
      tailKey,
      completedMs,
    }),
  );
}

/**
 * Removes listed expired uploads: each row (only while still expired at `nowMs`: one renewed meanwhile
 * stays), then its multipart upload and tail. The list is the record: run again after a crash between
 * a row and its R2 work, the row is gone and the R2 work is done from the list (aborting twice is
 * harmless), so nothing stays open; the usage counters move once, with the one row delete.
 */
export async function expireUploads(
  db: Stores["db"],
  bucket: R2Bucket,
  uploads: readonly ExpiredUpload[],
  nowMs: number,
): Promise<number> {
  let expired = 0;
  for (const upload of uploads) {
    const deleted = await deleteExpiredResumable(db, upload.tenant, upload.id, nowMs);
    if (!deleted && (await findResumable(db, upload.tenant, upload.id))) continue; // renewed: not expired
    await releaseLeftovers(bucket, upload);
    expired++;
  }
  return expired;
}

/** One page of the tail sweep, and where the next starts (undefined: the last). */
export interface TailPage {
  orphanTails: number;
  cursor?: string;
}

/**
 * One page of tail objects: those older than `minAgeMs` that no upload in any of the region's shards
 * names are deleted (a request that died between writing and committing one). Safe to run again.
 */
export async function sweepTailPage(
  dbs: readonly Stores["db"][],
  bucket: R2Bucket,
  nowMs: number,
  minAgeMs: number,
  cursor?: string,
): Promise<TailPage> {
  const page = await bucket.list({ prefix: RESUMABLE_TAIL_PREFIX, cursor, limit: 500 });
  const old = page.objects.filter((object) => nowMs - object.uploaded.getTime() >= minAgeMs).map((o) => o.key);
  // A bucket is shared by its region's shards (issue 19): a tail is an orphan only when no shard's upload names it.
  const referenced = new Set<string>();
  if (old.length > 0) {
    for (const db of dbs) for (const key of await referencedTailKeys(db, old)) referenced.add(key);
  }
  const orphans = old.filter((key) => !referenced.has(key));
  if (orphans.length > 0) await bucket.delete(orphans);
  return { orphanTails: orphans.length, cursor: page.truncated ? page.cursor : undefined };
}

/** What one upload sweep removed. */
export interface ResumableSweepReport {
  expired: number;
  orphanTails: number;
}

/**
 * The whole upload sweep in one go (tests; the cron runs it as Workflow steps, jobs/sweep-workflow.ts): expired
 * uploads lose their row, their multipart upload and their tail; tail objects no upload references
 * go once they are older than `minAgeMs`.
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
      const batch = await listExpiredUploads(db, nowMs);
      report.expired += await expireUploads(db, bucket, batch, nowMs);
      if (batch.length < EXPIRED_BATCH) break;
    }
  }
  let cursor: string | undefined;
  do {
    const page = await sweepTailPage(dbs, bucket, nowMs, minAgeMs, cursor);
    report.orphanTails += page.orphanTails;
    cursor = page.cursor;
  } while (cursor);
  return report;
}
