/**
 * Completing a resumable upload (docs/api.md#resumable-uploads): the object is assembled in R2, then the binary
 * is created or replaced through binaries/service's one guarded write, exactly as POST or PUT would.
 */
import type { Principal } from "../auth/principal";
import {
  commitNewBinary,
  commitReplace,
  type Precondition,
  type StoredContent,
  type Stores,
} from "../binaries/service";
import { commitProgress, deleteResumable, markCompleted } from "../db/resumables";
import type { BinaryRow, ResumableRow } from "../db/schema";
import { resumableLocked } from "../errors";
import { PausableDigests } from "../hashing/pausable-digests";
import { ifMatchHolds } from "../http/conditional";
import type { Progress } from "../ingest/resumable-append";
import { deleteObjectQuietly } from "../r2/objects";
import { validatorsOf } from "../revisions/revision";
import { bytesToBase64 } from "../utils/base64";
import { LEASE_MS, rowProgress } from "./state";

/**
 * Completion: claim (commit the final progress under the lease), assemble the object, then create
 * or replace the binary exactly as POST or PUT would, and mark the upload complete.
 */
export async function finish(
  stores: Stores,
  principal: Principal,
  upload: ResumableRow,
  token: string,
  progress: Progress,
  singleObjectKey: string | undefined,
  nowMs: number,
): Promise<BinaryRow> {
  const { db, bucket } = stores;
  if (!(await commitProgress(db, upload.id, token, rowProgress(progress), nowMs + LEASE_MS))) {
    if (singleObjectKey) await deleteObjectQuietly(bucket, singleObjectKey);
    throw resumableLocked();
  }
  let stored: R2Object | null;
  let key: string;
  if (singleObjectKey) {
    key = singleObjectKey;
    stored = await bucket.head(key);
  } else {
    key = upload.r2Key;
    stored = await bucket.resumeMultipartUpload(upload.r2Key, progress.multipartId!).complete(progress.parts);
  }
  if (!stored) throw new Error(`completed upload ${upload.id} has no object`);
  const digests = PausableDigests.restore(progress.digests).digest();
  const content: StoredContent = {
    key,
    size: stored.size,
    md5: bytesToBase64(digests.md5!),
    contentType: upload.contentType,
    // Its length was reserved against the quota as the upload was created or grew (docs/api.md#usage-and-quotas).
    reserved: true,
  };
  let binary: BinaryRow;
  try {
    // The one guarded write of a binary (binaries/service), exactly as POST or PUT would make it.
    binary = upload.replace
      ? await commitReplace(stores, principal, upload.binaryId ?? 0, content, ifMatchOf(upload))
      : await commitNewBinary(stores, principal, upload, content, upload.createdMs);
  } catch (error) {
    // A completion that can never succeed (412, 403, gone) ends the upload; the client must start over.
    await deleteResumable(db, principal.tenant, upload.id);
    throw error;
  }
  await markCompleted(db, upload.id, token, { ...rowProgress(progress), binaryId: binary.id }, nowMs);
  return binary;
}

/** The If-Match a replace was created with, checked again against the binary when it completes. */
function ifMatchOf(upload: ResumableRow): Precondition | undefined {
  const { ifMatch } = upload;
  return ifMatch === null ? undefined : (row) => ifMatchHolds(ifMatch, validatorsOf(row));
}
