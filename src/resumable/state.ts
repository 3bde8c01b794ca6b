/**
 * What every step of a resumable upload's lifecycle shares: the lease timings, reading the principal's own
 * upload (rights checked again at every request), and the mapping between the append engine's progress and
 * the row. The lifecycle itself: create.ts, append.ts, complete.ts, expire.ts (service.ts is the map).
 */
import type { Principal } from "../auth/principal";
import { mayCreate } from "../binaries/policy";
import type { Stores } from "../binaries/service";
import { findResumable, type ResumableProgress } from "../db/resumables";
import type { ResumableRow } from "../db/schema";
import { forbidden, notFound, resumableGone } from "../errors";
import type { DigestStates } from "../hashing/pausable-digests";
import type { Progress, StoredPart } from "../ingest/resumable-append";
import { deleteObjectQuietly } from "../r2/objects";

export type { ResumableRow };

/** How long a request holds an upload once it stops renewing (a dead connection frees it after this). */
export const LEASE_MS = 30_000;
/** Renew the lease when it was last renewed longer ago than this. */
export const RENEW_AFTER_MS = 10_000;
/** R2 allows 10,000 parts; the part size leaves room for this many retried (wasted) part numbers. */
export const R2_MAX_PARTS = 10_000;
export const PLANNED_PARTS = 9_000;
const MIB = 1024 * 1024;
/** R2's largest part. */
const _MAX_PART_SIZE = 5 * 1024 * MIB;

/**
 * The principal's own upload; anyone else's (other users, other tenants, unknown ids, and a user of
 * the same name deleted and created again) is a 404. Rights are those of the upload's creation,
 * checked again at every request (docs/api.md#resumable-uploads): an upload of a new binary needs CREATE or ADMIN
 * now (403 once the role is gone); a replace needs write access to its binary, checked (with one
 * D1 read) when it completes, the only step that reaches the binary.
 */
export async function loadResumable(
  db: Stores["db"],
  principal: Principal,
  id: string,
  nowMs: number,
): Promise<ResumableRow> {
  const row = /^[0-9a-f]{32}$/.test(id) ? await findResumable(db, principal.tenant, id) : undefined;
  if (!row || row.ownerId !== principal.userId || row.owner !== principal.userName) throw notFound("Upload");
  if (!row.replace && !mayCreate(principal)) throw forbidden();
  if (row.expiresMs <= nowMs && row.completedMs === null) throw resumableGone();
  return row;
}

export function progressOf(row: ResumableRow): Progress {
  return {
    offset: row.received,
    multipartId: row.multipartId,
    parts: JSON.parse(row.parts) as StoredPart[],
    tailKey: row.tailKey,
    tailLength: row.tailLength,
    digests: JSON.parse(row.digests) as DigestStates,
  };
}

export function rowProgress(progress: Progress): ResumableProgress {
  return {
    received: progress.offset,
    multipartId: progress.multipartId,
    parts: JSON.stringify(progress.parts),
    tailKey: progress.tailKey,
    tailLength: progress.tailLength,
    digests: JSON.stringify(progress.digests),
  };
}

export async function deleteAll(bucket: R2Bucket, keys: readonly string[]): Promise<void> {
  for (const key of keys) await deleteObjectQuietly(bucket, key);
}
