import { forbidden } from "../auth/authorize";
import { mayRead, mayWrite } from "./policy";
import type { Config } from "../config";
import type { BinaryRow } from "../db/schema";
import type { Database, Principal } from "../env";
import { ApiError, notFound } from "../errors";
import { receiveBody } from "../uploads/body-upload";
import { receiveMultipartUpload } from "../uploads/multipart-upload";
import { parseId } from "../http/headers";
import { parseUploadObject } from "../c8y/managed-object";
import { allocateId, deleteBinaryRow, findBinary, insertBinary, switchContent } from "../db/binaries";
import { deleteObjectQuietly, objectKey } from "../r2/objects";

/** What the binary operations need: the two stores and the configuration. */
export interface Stores {
  db: Database;
  bucket: R2Bucket;
  config: Config;
}

/** 412 for a PUT or DELETE whose If-Match / If-Unmodified-Since no longer holds. */
export const preconditionFailed = () => new ApiError(412, "inventory/Precondition Failed", "The binary changed since the validator you sent.");

/** Loads a binary the principal may read (or write); 404 for unknown ids, 403 without the right. */
export async function loadBinary(db: Database, principal: Principal, idText: string | undefined, access: "read" | "write"): Promise<BinaryRow> {
  const row = await findBinary(db, principal.tenant, parseId(idText));
  if (!row) throw notFound("Managed object");
  const allowed = access === "read" ? mayRead(principal, row.owner) : mayWrite(principal, row.owner);
  if (!allowed) throw forbidden();
  return row;
}

/** POST /inventory/binaries: bytes to R2 under a fresh key first, then the row (SPEC §10). */
export async function createBinary(
  { db, bucket, config }: Stores,
  principal: Principal,
  body: ReadableStream<Uint8Array> | null,
  contentType: string | undefined,
): Promise<BinaryRow> {
  const id = await allocateId(db);
  const key = objectKey(principal.tenant, id, 1);
  const upload = await receiveMultipartUpload(bucket, body, contentType, {
    key,
    partSize: config.partSize,
    singlePutMaxBytes: config.singlePutMaxBytes,
    maxFieldSize: config.maxJsonSize,
    parseObject: parseUploadObject,
  });
  const now = new Date().toISOString();
  try {
    return await insertBinary(db, {
      id,
      tenant: principal.tenant,
      name: upload.object.name,
      type: upload.object.type,
      owner: principal.userName,
      creationTime: now,
      lastUpdated: now,
      contentType: upload.contentType ?? "application/octet-stream",
      length: upload.stored.size,
      md5: upload.stored.md5,
      revpos: 1,
      r2Key: key,
      fragments: upload.object.fragments,
    });
  } catch (error) {
    await deleteObjectQuietly(bucket, key);
    throw error;
  }
}

/**
 * PUT /inventory/binaries/{id}: new bytes under a fresh key, then the row switches to them, and
 * only then is the old object deleted. Readers see the old bytes or the new, never a mix.
 */
export async function replaceBinary(
  { db, bucket, config }: Stores,
  principal: Principal,
  current: BinaryRow,
  body: ReadableStream<Uint8Array> | null,
  length: number | undefined,
  contentType: string,
  /** With a precondition, a concurrent change is a 412 instead of a retry (optimistic concurrency). */
  conditional = false,
): Promise<BinaryRow> {
  const key = objectKey(principal.tenant, current.id, current.revpos + 1);
  const stored = await receiveBody(bucket, key, body, length, contentType, config);
  const content = { r2Key: key, length: stored.size, md5: stored.md5, contentType, lastUpdated: new Date().toISOString() };
  let expected = current;
  // A concurrent replace may have switched the row meanwhile: last writer wins, nothing leaks.
  for (let attempt = 0; attempt < 5; attempt++) {
    const updated = await switchContent(db, principal.tenant, current.id, expected.r2Key, content).catch(async (error) => {
      await deleteObjectQuietly(bucket, key);
      throw error;
    });
    if (updated) {
      await deleteObjectQuietly(bucket, expected.r2Key);
      return updated;
    }
    const latest = await findBinary(db, principal.tenant, current.id);
    if (!latest) break;
    if (conditional) {
      await deleteObjectQuietly(bucket, key);
      throw preconditionFailed();
    }
    expected = latest;
  }
  await deleteObjectQuietly(bucket, key);
  throw notFound("Managed object");
}

/**
 * DELETE: the row goes first, so no row ever points at missing bytes; then the object.
 * `precondition` (If-Match) is checked against the row, and the delete only applies to the
 * bytes it was checked against.
 */
export async function removeBinary(
  { db, bucket }: Stores,
  principal: Principal,
  idText: string | undefined,
  precondition?: (row: BinaryRow) => boolean,
): Promise<void> {
  const row = await loadBinary(db, principal, idText, "write");
  if (precondition && !precondition(row)) throw preconditionFailed();
  const deleted = await deleteBinaryRow(db, principal.tenant, row.id, precondition ? row.r2Key : undefined);
  if (!deleted) throw precondition ? preconditionFailed() : notFound("Managed object");
  await deleteObjectQuietly(bucket, deleted.r2Key);
}
