/**
 * Resumable uploads (tus 1.0.0 and the IETF resumable-upload draft, docs/api.md#resumable-uploads): the state of
 * each upload resource and every write to it. Routes call this; it calls the D1 queries
 * (db/resumables, db/binaries) and the append engine (ingest/resumable-append).
 *
 * What lives where
 * - D1 `uploads`: one row per upload: owner, tenant, length, bytes received, part size, the
 *   committed R2 parts, the R2 multipart upload id, the tail object, the whole-file digest state
 *   (MD5, SHA-256 when asked), the managed object it will create (or the binary it replaces),
 *   expiry, and the lease of the request appending to it.
 * - R2 multipart upload under the final key `{tenant}/{uuid}`: the full parts.
 * - R2 `%resumable/{uploadId}/tail-{uuid}`: the bytes after the last full part, between requests
 *   (like tusd's `.part`); a new key on every change, so no write ever replaces one in use.
 *
 * Order of writes, and what a crash leaves
 * - Create: insert the row (a new binary's id is taken when it completes). Nothing in R2 yet.
 * - Append: take the lease (one conditional UPDATE; 423 while another request holds it), then per
 *   full part: reserve a fresh part number (so a request that lost its lease can never overwrite a
 *   committed part), stream the old tail + body bytes into the part, commit the progress under the
 *   lease; the rest of the body goes to a new tail object, committed last; superseded tails are
 *   deleted after the commit. A crash mid-part loses only that part's bytes (the offset stays at
 *   the last commit); it leaves an unlisted part (discarded when the multipart upload completes or
 *   is aborted) or an unreferenced tail object (deleted by the sweep).
 * - Complete: the last bytes become the last part (or the whole object by one put under a fresh
 *   key when the upload never filled a part), the multipart upload is completed, the binary row is
 *   inserted (or switched, for a replace), then the upload is marked complete. A crash in between
 *   leaves an object the orphan sweep removes (no row references it) and an upload that expires.
 * - Terminate / expiry: delete the row first, then abort the multipart upload and delete the tail.
 */
import type { Principal } from "../auth/principal";
import { mayCreate } from "../binaries/policy";
import {
  commitNewBinary,
  commitReplace,
  loadBinary,
  type Precondition,
  type StoredContent,
  type Stores,
} from "../binaries/service";
import { MAX_NAME_LENGTH } from "../c8y/managed-object";
import {
  acquireLease,
  commitProgress,
  deleteResumable,
  expiredResumables,
  findResumable,
  insertResumable,
  type ListedResumable,
  listOpenResumables,
  markCompleted,
  type ResumableProgress,
  referencedTailKeys,
  releaseLease,
  renewLease,
  reservePartNumber,
} from "../db/resumables";
import type { BinaryRow, ResumableRow } from "../db/schema";
import {
  ApiError,
  checksumMismatch,
  forbidden,
  invalidRequest,
  notFound,
  offsetMismatch,
  preconditionFailed,
  resumableConflict,
  resumableGone,
  resumableLocked,
  tooLarge,
  tooManyOpenResumables,
} from "../errors";
import { type DigestStates, PausableDigests } from "../hashing/pausable-digests";
import { ifMatchHolds } from "../http/conditional";
import { servedMediaType } from "../http/media-type";
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm } from "../http/tus-headers";
import {
  type AppendTarget,
  appendBody,
  appendStreamedBody,
  type Progress,
  type StoredPart,
} from "../ingest/resumable-append";
import { deleteObjectQuietly, objectKey, RESUMABLE_TAIL_PREFIX } from "../r2/objects";
import { validatorsOf } from "../revisions/revision";
import { bytesToBase64 } from "../utils/base64";
import type { ResumableIntent } from "./metadata";

export type { ResumableRow };

/** How long a request holds an upload once it stops renewing (a dead connection frees it after this). */
const LEASE_MS = 30_000;
/** Renew the lease when it was last renewed longer ago than this. */
const RENEW_AFTER_MS = 10_000;
/** R2 allows 10,000 parts; the part size leaves room for this many retried (wasted) part numbers. */
const R2_MAX_PARTS = 10_000;
const PLANNED_PARTS = 9_000;
const MIB = 1024 * 1024;
/** R2's largest part. */
const MAX_PART_SIZE = 5 * 1024 * MIB;

/** The part size for an upload: fits `length` into the planned part count; the deferred default otherwise. */
export function partSizeFor(length: number | undefined, minPartSize: number, deferredPartSize: number): number {
  if (length === undefined) return deferredPartSize;
  const needed = Math.ceil(length / PLANNED_PARTS / MIB) * MIB;
  return Math.min(MAX_PART_SIZE, Math.max(minPartSize, needed));
}

/** The largest length an upload with `partSize` parts can reach. */
function capacityOf(partSize: number): number {
  return partSize * PLANNED_PARTS;
}

export interface CreateInput {
  length: number | undefined;
  intent: ResumableIntent;
  /** Upload-Metadata as sent, echoed by HEAD. */
  rawMetadata: string | undefined;
  /** If-Match / If-Unmodified-Since for a replace, checked when the upload completes. */
  ifMatch: string | undefined;
  wantSha256: boolean;
  nowMs: number;
}

/** Creates an upload resource (docs/api.md#resumable-uploads): checks the rights a POST or PUT would need. */
export async function createResumable(
  { db, config }: Stores,
  principal: Principal,
  input: CreateInput,
): Promise<ResumableRow> {
  const { intent, length } = input;
  if (length !== undefined && length > config.tusMaxSize)
    throw tooLarge(`Uploads are limited to ${config.tusMaxSize} bytes.`);
  let binaryId: number | null = null;
  let name: string;
  let type: string;
  let contentType: string;
  let fragments = intent.fragments;
  if (intent.binaryId !== undefined) {
    const current = await loadBinary(db, principal, intent.binaryId, "write");
    // A stale If-Match fails at creation, before any byte is sent (and is checked again at completion).
    if (input.ifMatch !== undefined && !ifMatchHolds(input.ifMatch, validatorsOf(current))) throw preconditionFailed();
    binaryId = current.id;
    name = current.name;
    type = current.type;
    contentType = intent.contentType ?? current.contentType;
    fragments = {};
  } else {
    if (!intent.name) throw invalidRequest("The upload needs a file name (Upload-Metadata 'filename' or 'name').");
    name = intent.name;
    contentType = intent.contentType ?? "application/octet-stream";
    type = intent.type ?? contentType;
  }
  if (name.length > MAX_NAME_LENGTH)
    throw invalidRequest(`The file name must be at most ${MAX_NAME_LENGTH} characters.`);
  const partSize = partSizeFor(length, config.partSize, config.deferredPartSize);
  const row = {
    id: newUploadId(),
    tenant: principal.tenant,
    owner: principal.userName,
    ownerId: principal.userId,
    createdMs: input.nowMs,
    expiresMs: input.nowMs + config.uploadExpiryMs,
    length: length ?? null,
    received: 0,
    partSize,
    parts: "[]",
    nextPart: 1,
    r2Key: objectKey(principal.tenant),
    multipartId: null,
    tailKey: null,
    tailLength: 0,
    digests: JSON.stringify(PausableDigests.start(input.wantSha256)),
    binaryId,
    replace: intent.binaryId !== undefined,
    ifMatch: input.ifMatch ?? null,
    name,
    type,
    contentType,
    fragments,
    metadata: input.rawMetadata ?? null,
    lockToken: null,
    lockUntilMs: 0,
    completedMs: null,
  };
  const created = await insertResumable(db, row, config.maxOpenUploads);
  if (!created) throw tooManyOpenResumables(config.maxOpenUploads);
  return created;
}

/** 128 random bits, hex: upload URLs cannot be guessed. */
function newUploadId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

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

function progressOf(row: ResumableRow): Progress {
  return {
    offset: row.received,
    multipartId: row.multipartId,
    parts: JSON.parse(row.parts) as StoredPart[],
    tailKey: row.tailKey,
    tailLength: row.tailLength,
    digests: JSON.parse(row.digests) as DigestStates,
  };
}

function rowProgress(progress: Progress): ResumableProgress {
  return {
    received: progress.offset,
    multipartId: progress.multipartId,
    parts: JSON.stringify(progress.parts),
    tailKey: progress.tailKey,
    tailLength: progress.tailLength,
    digests: JSON.stringify(progress.digests),
  };
}

async function deleteAll(bucket: R2Bucket, keys: readonly string[]): Promise<void> {
  for (const key of keys) await deleteObjectQuietly(bucket, key);
}

/**
 * Completion: claim (commit the final progress under the lease), assemble the object, then create
 * or replace the binary exactly as POST or PUT would, and mark the upload complete.
 */
async function finish(
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

/**
 * Bytes of names and types one D1 statement of the uploads list may return (docs/api.md#resumable-endpoints): a
 * page is read and streamed in batches of at most this much, whatever `pageSize` and the open-upload
 * cap (a row alone may pass it: it is never split).
 */
export const LIST_BATCH_BYTES = 256 * 1024;

/** The principal's incomplete uploads of one page, in batches bounded by LIST_BATCH_BYTES. */
export async function* listResumables(
  db: Stores["db"],
  principal: Principal,
  nowMs: number,
  limit: number,
  offset: number,
): AsyncGenerator<ListedResumable[], void, undefined> {
  let left = limit;
  let from = offset;
  while (left > 0) {
    const { rows, inWindow } = await listOpenResumables(
      db,
      principal.tenant,
      principal.userId,
      nowMs,
      left,
      from,
      LIST_BATCH_BYTES,
    );
    if (rows.length === 0) return;
    yield rows;
    if (rows.length === inWindow) return; // the window ended before the byte budget did
    left -= rows.length;
    from += rows.length;
  }
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
  db: Stores["db"],
  bucket: R2Bucket,
  nowMs: number,
  minAgeMs: number,
): Promise<ResumableSweepReport> {
  const report: ResumableSweepReport = { expired: 0, orphanTails: 0 };
  for (;;) {
    const batch = await expiredResumables(db, nowMs, 100);
    for (const upload of batch) {
      const deleted = await deleteResumable(db, upload.tenant, upload.id);
      if (deleted) await releaseLeftovers(bucket, deleted);
      report.expired++;
    }
    if (batch.length < 100) break;
  }
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: RESUMABLE_TAIL_PREFIX, cursor, limit: 500 });
    const old = page.objects
      .filter((object) => nowMs - object.uploaded.getTime() >= minAgeMs)
      .map((object) => object.key);
    const referenced = old.length > 0 ? await referencedTailKeys(db, old) : new Set<string>();
    const orphans = old.filter((key) => !referenced.has(key));
    if (orphans.length > 0) await bucket.delete(orphans);
    report.orphanTails += orphans.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return report;
}
