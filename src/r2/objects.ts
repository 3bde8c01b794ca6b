/**
 * A fresh R2 key for one revision of a binary's bytes: the tenant's prefix and a random UUID. It
 * does not depend on the binary's id, so bytes can be written before the row (and its id) exist,
 * and the row commits in one D1 round trip; two uploads never share a key, and none is reused.
 */
export function objectKey(tenant: string): string {
  return `${tenantPrefix(tenant)}${crypto.randomUUID()}`;
}

/** The prefix under which every object of a tenant lives. */
export function tenantPrefix(tenant: string): string {
  return `${encodeURIComponent(tenant)}/`;
}

/** Deletes an object whose row is gone; a failure only leaves work for the orphan sweep. */
export async function deleteObjectQuietly(bucket: R2Bucket, key: string): Promise<void> {
  try {
    await bucket.delete(key);
  } catch (error) {
    console.warn("R2 delete failed; the sweep will retry", key, error);
  }
}

/**
 * Deletes every object under `prefix`, a listing page at a time, stopping after `maxObjects`
 * (a request has a bounded number of subrequests); returns how many it deleted. Whatever is
 * left has no row any more and is removed by the orphan sweep. `deletedObjects` is told each page
 * deleted (to drop cached copies).
 */
export async function deleteObjectsByPrefix(
  bucket: R2Bucket,
  prefix: string,
  maxObjects = 10_000,
  deletedObjects?: (objects: R2Object[]) => void,
): Promise<number> {
  let deleted = 0;
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor, limit: 1000 });
    const keys = page.objects.map((object) => object.key);
    if (keys.length > 0) await bucket.delete(keys);
    deletedObjects?.(page.objects);
    deleted += keys.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor && deleted < maxObjects);
  return deleted;
}

/**
 * Temporary objects of resumable uploads (the bytes after the last full part) live under this
 * prefix; `%` cannot start a tenant prefix (tenants are URI-encoded), so they never mix with
 * binaries. The upload sweep owns them; the orphan sweep leaves them alone.
 */
export const RESUMABLE_TAIL_PREFIX = "%resumable/";

/**
 * Aborts an R2 multipart upload; one that completed or was aborted already makes abort() throw, and
 * it is gone either way, so a job that runs this twice (a retried step) is unharmed.
 */
export async function abortMultipartQuietly(bucket: R2Bucket, key: string, uploadId: string): Promise<void> {
  try {
    await bucket.resumeMultipartUpload(key, uploadId).abort();
  } catch (error) {
    console.warn("R2 multipart abort failed (already gone?)", key, error);
  }
}

/**
 * What an unfinished resumable upload holds in R2, released: its multipart upload aborted and its tail
 * object deleted. Both are quiet and harmless twice, so a job or sweep that re-runs it is unharmed.
 */
export async function releaseResumableObjects(
  bucket: R2Bucket,
  upload: { r2Key: string; multipartId: string | null; tailKey: string | null },
): Promise<void> {
  if (upload.multipartId) await abortMultipartQuietly(bucket, upload.r2Key, upload.multipartId);
  if (upload.tailKey) await deleteObjectQuietly(bucket, upload.tailKey);
}
