/**
 * A fresh R2 key for a binary's bytes: tenant/id/revision, plus a random tail so two concurrent
 * replaces of one binary never write to the same key.
 */
export function objectKey(tenant: string, id: number, revision: number): string {
  return `${encodeURIComponent(tenant)}/${id}/${revision}-${crypto.randomUUID()}`;
}

/** Deletes an object whose row is gone; a failure only leaves work for the orphan sweep. */
export async function deleteObjectQuietly(bucket: R2Bucket, key: string): Promise<void> {
  try {
    await bucket.delete(key);
  } catch (error) {
    console.warn("R2 delete failed; the sweep will retry", key, error);
  }
}
