/**
 * Appending a request body to a resumable upload (docs/api.md#resumable-uploads), under the upload's lease;
 * the append that reaches the end hands over to complete.ts.
 */
import type { Principal } from "../auth/principal";
import type { Stores } from "../binaries/service";
import {
  acquireLease,
  commitProgress,
  findResumable,
  releaseLease,
  renewLease,
  reservePartNumber,
} from "../db/resumables";
import type { BinaryRow, ResumableRow } from "../db/schema";
import {
  ApiError,
  checksumMismatch,
  invalidRequest,
  notFound,
  offsetMismatch,
  resumableConflict,
  resumableLocked,
  tooLarge,
} from "../errors";
import { servedMediaType } from "../http/media-type";
import { type AppendTarget, appendBody, appendStreamedBody } from "../ingest/resumable-append";
import { deleteObjectQuietly, objectKey, RESUMABLE_TAIL_PREFIX } from "../r2/objects";
import { bytesToBase64 } from "../utils/base64";
import { finish } from "./complete";
import { capacityOf } from "./create";
import { deleteAll, LEASE_MS, loadResumable, progressOf, R2_MAX_PARTS, RENEW_AFTER_MS, rowProgress } from "./state";
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm } from "./tus-headers";

export interface AppendInput {
  offset: number;
  body: ReadableStream<Uint8Array> | null;
  /** The body's Content-Length; undefined for a body of unknown length (chunked), streamed in bounded memory. */
  contentLength: number | undefined;
  /** A length declared now (deferred length, or the IETF draft's Upload-Length / Upload-Complete). */
  declaredLength: number | undefined;
  /** The IETF draft's Upload-Complete: true; tus completes when the offset reaches the length. */
  complete: boolean;
  checksum: { algorithm: ChecksumAlgorithm; digest: string } | undefined;
  nowMs: number;
}

export interface AppendOutcome {
  upload: ResumableRow;
  /** Set once the upload completed: the created or replaced binary. */
  binary?: BinaryRow;
  /** Whole-file digests at completion (md5, sha-256 when asked). */
  digests?: Record<string, Uint8Array>;
}

/**
 * Appends a request body at `offset` (docs/api.md#resumable-uploads). Exactly one request appends at a time
 * (lease); a request whose offset is stale gets 409, one that collides with a running append 423.
 * Bytes past the declared length, a checksum mismatch or a lost lease change nothing committed.
 */
export async function appendToResumable(
  stores: Stores,
  principal: Principal,
  id: string,
  input: AppendInput,
): Promise<AppendOutcome> {
  const { db, bucket, config } = stores;
  const current = await loadResumable(db, principal, id, input.nowMs);
  if (current.completedMs !== null) throw resumableConflict("The upload is already complete.");
  if (current.received !== input.offset) throw offsetMismatch(current.received);
  let length = settleLength(current, input, config.tusMaxSize);
  const streamed = input.contentLength === undefined;
  const end = input.offset + (input.contentLength ?? 0);
  const pastLength = () => invalidRequest(`The data runs past the upload's length ${length}.`);
  const pastCapacity = () =>
    tooLarge(`Uploads of unknown length are limited to ${capacityOf(current.partSize)} bytes.`);
  if (!streamed && length !== null && end > length)
    throw invalidRequest(`The data ends at ${end}, past the upload's length ${length}.`);
  if (!streamed && length === null && end > capacityOf(current.partSize)) throw pastCapacity();
  let final = !streamed && (input.complete || (length !== null && end === length));

  const token = crypto.randomUUID();
  const leased = await acquireLease(db, principal.tenant, id, input.offset, token, input.nowMs, input.nowMs + LEASE_MS);
  if (!leased) {
    const latest = await findResumable(db, principal.tenant, id);
    if (!latest) throw notFound("Upload");
    if (latest.received !== input.offset) throw offsetMismatch(latest.received);
    if (latest.completedMs !== null) throw resumableConflict("The upload is already complete.");
    throw resumableLocked();
  }
  let lastRenewal = Date.now();
  const leaseLost = () => resumableLocked();
  const target: AppendTarget = {
    bucket,
    key: leased.r2Key,
    singleObjectKey: () => objectKey(principal.tenant),
    partSize: leased.partSize,
    httpMetadata: { contentType: servedMediaType(leased.contentType) },
    newTailKey: () => `${RESUMABLE_TAIL_PREFIX}${leased.id}/tail-${crypto.randomUUID()}`,
    async reservePartNumber() {
      const number = await reservePartNumber(db, leased.id, token, Date.now() + LEASE_MS);
      if (number === undefined) throw leaseLost();
      if (number > R2_MAX_PARTS) throw resumableConflict("The upload ran out of R2 part numbers.");
      lastRenewal = Date.now();
      return number;
    },
    async commit(progress) {
      if (!(await commitProgress(db, leased.id, token, { ...rowProgress(progress), length }, Date.now() + LEASE_MS)))
        throw leaseLost();
      lastRenewal = Date.now();
    },
    async keepAlive() {
      if (Date.now() - lastRenewal < RENEW_AFTER_MS) return;
      if (!(await renewLease(db, leased.id, token, Date.now() + LEASE_MS))) throw leaseLost();
      lastRenewal = Date.now();
    },
  };
  const checksum = input.checksum ? new crypto.DigestStream(CHECKSUM_ALGORITHMS[input.checksum.algorithm]) : undefined;
  const checksumWriter = checksum?.getWriter();
  try {
    const observe = checksumWriter ? (chunk: Uint8Array) => void checksumWriter.write(chunk) : undefined;
    const result =
      input.contentLength === undefined
        ? await appendStreamedBody(target, progressOf(leased), input.body, {
            // Upload-Length caps a body of unknown length as it arrives; nothing counts until it ends.
            maxBytes: (length ?? capacityOf(leased.partSize)) - input.offset,
            tooMuch: length === null ? pastCapacity : pastLength,
            finalAfter: (received) => {
              final = completesAt(length, input.offset + received, input.complete);
              if (final && length === null) length = input.offset + received;
              return final;
            },
            observe,
          })
        : await appendBody(target, progressOf(leased), input.body, input.contentLength, {
            // With a checksum nothing may count before the whole chunk is verified.
            commitEachPart: checksum === undefined,
            final,
            observe,
          });
    if (checksum && checksumWriter && input.checksum) {
      await checksumWriter.close();
      if (bytesToBase64(new Uint8Array(await checksum.digest)) !== input.checksum.digest) {
        await deleteAll(bucket, result.written);
        if (result.singleObjectKey) await deleteObjectQuietly(bucket, result.singleObjectKey);
        throw checksumMismatch();
      }
    }
    if (!final) {
      const committed = await commitProgress(
        db,
        leased.id,
        token,
        { ...rowProgress(result.progress), length, expiresMs: input.nowMs + config.uploadExpiryMs },
        input.nowMs,
      );
      if (!committed) {
        await deleteAll(bucket, result.written);
        throw leaseLost();
      }
      await deleteAll(bucket, result.obsolete);
      return { upload: { ...leased, ...rowProgress(result.progress), length, lockToken: null } };
    }
    const binary = await finish(stores, principal, leased, token, result.progress, result.singleObjectKey, input.nowMs);
    await deleteAll(bucket, result.obsolete);
    return {
      upload: { ...leased, ...rowProgress(result.progress), length: binary.length, completedMs: input.nowMs },
      binary,
      digests: result.finalDigests,
    };
  } catch (error) {
    throw await whyAppendFailed(db, principal.tenant, leased.id, token, error);
  } finally {
    await checksumWriter?.abort().catch(() => undefined);
    await releaseLease(db, leased.id, token);
  }
}

/**
 * An append that failed in storage (R2 refusing a part of an aborted multipart upload, say) mostly
 * failed because the upload changed under it: terminated meanwhile (404, as for any later request)
 * or its lease taken over (423). Only a failure with the upload intact and ours is the server's.
 */
async function whyAppendFailed(
  db: Stores["db"],
  tenant: string,
  id: string,
  token: string,
  error: unknown,
): Promise<unknown> {
  if (error instanceof ApiError) return error;
  const latest = await findResumable(db, tenant, id);
  if (!latest) return notFound("Upload");
  if (latest.lockToken !== token) return resumableLocked();
  return error;
}

/**
 * Whether a streamed append that ended at `end` completes the upload: the draft's Upload-Complete
 * (which must then agree with a known length), or tus reaching the upload's length.
 */
function completesAt(length: number | null, end: number, complete: boolean): boolean {
  if (complete && length !== null && length !== end)
    throw invalidRequest(`The upload's length is ${length}; completing at ${end} is inconsistent.`);
  return complete || (length !== null && end === length);
}

/** The length after this request: declared once (tus deferred / IETF), never changed after. */
function settleLength(upload: ResumableRow, input: AppendInput, maxSize: number): number | null {
  let length = upload.length;
  const sent = input.contentLength;
  const implied = input.complete && sent !== undefined ? input.offset + sent : undefined;
  for (const declared of [input.declaredLength, implied]) {
    if (declared === undefined) continue;
    if (length !== null && declared !== length)
      throw invalidRequest(`The upload's length is ${length}, not ${declared} (inconsistent length).`);
    if (sent !== undefined && declared < input.offset + sent && declared !== implied)
      throw invalidRequest(`Upload-Length ${declared} is less than the data sent.`);
    if (declared > maxSize) throw tooLarge(`Uploads are limited to ${maxSize} bytes.`);
    length = declared;
  }
  if (input.complete && sent !== undefined) completesAt(length, input.offset + sent, true);
  return length;
}
