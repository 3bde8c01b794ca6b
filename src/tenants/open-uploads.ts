import type { Database } from "../db/client";
import { deleteRowOf, openUploadsOf, trackedMultipartsOf } from "../db/tenant-copy";
import { abortMultipartQuietly, releaseResumableObjects } from "../r2/objects";

/**
 * What a tenant's rows in one shard hold open in a bucket (issue 19): incomplete resumable uploads
 * (an R2 multipart upload and a tail object) and tracked multipart uploads of bodies. A tenant that
 * is deleted, or moved to another region, takes none of it along: it is aborted and deleted here.
 * Aborting twice is harmless (abortMultipartQuietly), so a job that re-runs any of this is unharmed.
 */

/** How many rows one call handles (a Workflow step each; bounded subrequests). */
export const RELEASE_BATCH = 100;

/**
 * A deleted tenant: up to RELEASE_BATCH of its open uploads and tracked multipart uploads released,
 * each row removed only after its R2 work (a crash in between leaves the row, and the next run aborts
 * again and removes it). Returns how many; less than RELEASE_BATCH means none are left.
 */
export async function releaseOpenUploads(db: Database, bucket: R2Bucket, tenant: string): Promise<number> {
  const uploads = await openUploadsOf(db, tenant, RELEASE_BATCH);
  for (const upload of uploads) {
    await releaseResumableObjects(bucket, upload);
    await deleteRowOf(db, "uploads", upload.id);
  }
  const tracked = await trackedMultipartsOf(db, tenant, RELEASE_BATCH - uploads.length);
  for (const upload of tracked) {
    await abortMultipartQuietly(bucket, upload.key, upload.uploadId);
    await deleteRowOf(db, "multipart_uploads", upload.uploadId);
  }
  return uploads.length + tracked.length;
}

/**
 * A tenant moved to another region: all of it aborted in the old bucket, the rows left for the one
 * batch that removes the old copy (its rows are frozen until then). Returns how many it aborted.
 */
export async function abortOpenUploads(db: Database, bucket: R2Bucket, tenant: string): Promise<number> {
  let n = 0;
  for (let after = ""; ; ) {
    const uploads = await openUploadsOf(db, tenant, RELEASE_BATCH, after);
    for (const upload of uploads) await releaseResumableObjects(bucket, upload);
    n += uploads.length;
    if (uploads.length < RELEASE_BATCH) break;
    after = uploads[uploads.length - 1]?.id ?? after;
  }
  for (let after = ""; ; ) {
    const tracked = await trackedMultipartsOf(db, tenant, RELEASE_BATCH, after);
    for (const upload of tracked) await abortMultipartQuietly(bucket, upload.key, upload.uploadId);
    n += tracked.length;
    if (tracked.length < RELEASE_BATCH) break;
    after = tracked[tracked.length - 1]?.uploadId ?? after;
  }
  return n;
}
