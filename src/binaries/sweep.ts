import { referencedKeys } from "../db/binaries";
import type { Database } from "../db/client";
import { UPLOAD_TAIL_PREFIX } from "../r2/objects";

/** What one sweep looked at and removed. */
export interface SweepReport {
  scanned: number;
  deleted: string[];
}

/**
 * Removes R2 objects that no row references and that are older than `minAgeMs` (younger ones
 * may belong to an upload whose row is about to be committed). Such objects are left by a crash
 * between writing bytes and committing the row, or by a failed delete (docs/api.md §10).
 */
export async function sweepOrphans(
  db: Database,
  bucket: R2Bucket,
  minAgeMs: number,
  now = Date.now(),
): Promise<SweepReport> {
  const report: SweepReport = { scanned: 0, deleted: [] };
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ cursor, limit: 500 });
    report.scanned += page.objects.length;
    const old = page.objects
      // Tails of resumable uploads are referenced by their upload, not a binary: the upload sweep's.
      .filter((object) => !object.key.startsWith(UPLOAD_TAIL_PREFIX) && now - object.uploaded.getTime() >= minAgeMs)
      .map((object) => object.key);
    if (old.length > 0) {
      const referenced = await referencedKeys(db, old);
      const orphans = old.filter((key) => !referenced.has(key));
      if (orphans.length > 0) {
        await bucket.delete(orphans);
        report.deleted.push(...orphans);
      }
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return report;
}
