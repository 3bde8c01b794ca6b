/**
 * The binaries service: create, replace and remove a binary while keeping R2 and D1 consistent
 * (docs/api.md#consistency-between-r2-and-d1). This module owns every write of a binary; routes call it, it calls the
 * D1 queries (db/binaries) and the body engine (ingest/).
 *
 * What lives where
 * - D1 `binaries`: one row per binary: the managed object, plus `r2_key`, the only object that
 *   holds its current bytes, and `revpos`, its revision (1 on create, +1 per replace).
 * - D1 `counters.managedObjectId`: the last id handed out; the insert of a row takes the next one
 *   in the same batch.
 * - R2 `{tenant}/{uuid}`: the bytes of one revision. The key does not name the binary (its id does
 *   not exist before the row), so the bytes go first and the row follows in one D1 round trip; the
 *   random UUID means two uploads never write the same key, and a key is never reused.
 * - The edge cache (downloads/edge-cache) may hold a revision's bytes under its R2 key; a replace or
 *   delete drops the old revision's entry in this data centre (`Stores.forget`).
 *
 * Order of writes, and what a crash at each step leaves behind
 * - Create: (1) stream the bytes to a fresh key, (2) one D1 batch: take the next id and insert the
 *   row. A crash after (1) leaves an object no row references, which the orphan sweep
 *   (binaries/sweep) deletes once it is older than ORPHAN_MIN_AGE_SECONDS. A failed (2) deletes the
 *   object at once; the batch is atomic, so no id is taken without its row.
 * - Replace: (1) stream the new bytes to a fresh key, (2) switch the row to it: with a precondition
 *   only if the row still points at the key that was checked (compare-and-set, else 412); without
 *   one in an atomic swap that also reads the key it replaced, (3) delete that old object. Readers
 *   see the old bytes or the new, never a mix. A crash after (1) or (2) leaves one unreferenced
 *   object: the sweep's.
 * - Delete: (1) delete the row (only while it still points at the checked key when a precondition
 *   was given), (2) delete the object. No row ever points at missing bytes; a crash after (1)
 *   leaves an orphan for the sweep.
 * - Failed uploads abort their R2 multipart upload and delete what they wrote before answering.
 *
 * D1 round trips (docs/benchmarks.md "Round-trip budget"): create 1 (the batch, after the bytes);
 * replace and delete 2 (the row read that authorises them, then the write).
 */

import type { Principal } from "../auth/principal";
import { parseUploadObject } from "../c8y/client-fields";
import type { Config } from "../config";
import {
  deleteBinaryRow,
  findBinary,
  findBinaryAndUsage,
  insertBinary,
  isSwept,
  swapContent,
  switchContent,
} from "../db/binaries";
import { type Database, primaryOf, readYourWrites } from "../db/client";
import { trackMultipart, untrackMultipart } from "../db/r2-multiparts";
import type { BinaryRow } from "../db/schema";
import { metadataSize, readUsage, refuseIfOverQuota, throwIfOverQuota } from "../db/usage";
import { fitsByHint, forgetUsageHint, noteCommitted } from "../db/usage-hints";
import { forbidden, notFound, preconditionFailed, resumableExpired } from "../errors";
import { ingestFormData } from "../ingest/form-data-body";
import type { BeforeStore, MultipartTracker } from "../ingest/r2-sinks";
import { ingestRawBody } from "../ingest/raw-body";
import { deleteObjectQuietly, objectKey } from "../r2/objects";
import { type Revision, revisionOf } from "../revisions/revision";
import { mayRead, mayWrite } from "./policy";

export type { BinaryRow };

/** What the binary operations need: the two stores and the configuration. */
export interface Stores {
  db: Database;
  bucket: R2Bucket;
  config: Config;
  /** Told the R2 key of a revision that is gone (replaced or deleted), to drop cached copies. */
  forget?: (key: string) => void;
  /** The number of the shard `db` is (issue 19); new binary ids end in it. 0 when absent. */
  shard?: number;
}

/**
 * A write precondition (If-Match / If-Unmodified-Since) checked against the row a PUT or DELETE
 * would change; false means 412. Without one, concurrent changes are resolved by last writer wins.
 */
export type Precondition = (row: BinaryRow) => boolean;

/** The `purpose` of the multipart uploads of POST and PUT bodies in the tracking table
 * (docs/api.md#consistency-between-r2-and-d1). */
export const BINARY_UPLOAD_PURPOSE = "binary";

/** Slack for clock differences between isolates when a tenant's creation is compared with an upload's start. */
const CLOCK_SLACK_MS = 30_000;

/** Tracks the R2 multipart upload of a binary body in D1, so the sweep can abort it after a crash. */
function multipartTracker(db: Database, key: string): MultipartTracker {
  return {
    created: (uploadId) => trackMultipart(db, { key, uploadId, purpose: BINARY_UPLOAD_PURPOSE }),
    aborted: (uploadId) => untrackMultipart(db, uploadId),
  };
}

/**
 * The quota check before a file's first byte is stored (docs/api.md#usage-and-quotas), told the file's
 * size (declared, or held) and turning it into what the write adds (`extraOf`). No D1 read when this
 * isolate's hints (db/usage-hints), no older than the login re-check interval, say the write fits or
 * the tenant has no quota; otherwise one read of the usage, and 413 when the write cannot fit. The
 * commit's own condition stays the exact check (writes racing in other isolates).
 */
function quotaCheck({ db, config }: Stores, tenant: string, extraOf: (bytes: number) => number): BeforeStore {
  const maxAgeMs = Math.max(config.authRecheckMs, 1_000);
  return async (bytes) => {
    const extra = extraOf(bytes);
    if (extra <= 0 || fitsByHint(tenant, extra, maxAgeMs)) return;
    refuseIfOverQuota(await readUsage(primaryOf(db), tenant), extra);
  };
}

/** Loads a binary the principal may read (or write); 404 for unknown ids, 403 without the right. */
export async function loadBinary(
  db: Database,
  principal: Principal,
  id: number,
  access: "read" | "write",
): Promise<BinaryRow> {
  // A write reads the row it will change from the primary, where the write goes: a replica's older
  // row would fail a current If-Match. A read may come from a replica; a miss (a binary created
  // moments ago) is asked again on the primary.
  const row =
    access === "write"
      ? await findBinary(primaryOf(db), principal.tenant, id)
      : await readYourWrites(db, (d) => findBinary(d, principal.tenant, id));
  return authorised(principal, row, access);
}

/** `row` if the principal may read (or write) it; 404 without a row, 403 without the right. */
function authorised(principal: Principal, row: BinaryRow | undefined, access: "read" | "write"): BinaryRow {
  if (!row) throw notFound("Managed object");
  const allowed = access === "read" ? mayRead(principal, row.owner) : mayWrite(principal, row.owner);
  if (!allowed) throw forbidden();
  return row;
}

/**
 * The revision of a binary as the primary sees it: a download whose row came from a replica that has not
 * seen a replace yet finds no R2 object under the row's key and asks here, once.
 */
export async function primaryRevision(db: Database, principal: Principal, id: number): Promise<Revision> {
  return revisionOf(await loadBinary(primaryOf(db), principal, id, "read"));
}

/** POST /inventory/binaries: bytes to R2 under a fresh key first, then the row. */
export async function createBinary(
  stores: Stores,
  principal: Principal,
  body: ReadableStream<Uint8Array> | null,
  contentType: string | undefined,
): Promise<BinaryRow> {
  const { db, bucket, config } = stores;
  const startedAt = Date.now();
  const key = objectKey(principal.tenant);
  const upload = await ingestFormData(bucket, body, contentType, {
    key,
    partSize: config.partSize,
    singlePutMaxBytes: config.singlePutMaxBytes,
    maxFieldSize: config.maxJsonSize,
    parseObject: parseUploadObject,
    tracker: multipartTracker(db, key),
    beforeStore: quotaCheck(stores, principal.tenant, (bytes) => bytes),
  });
  const content: StoredContent = {
    key,
    size: upload.stored.size,
    md5: upload.stored.md5,
    contentType: upload.contentType ?? "application/octet-stream",
    trackedUploadId: upload.stored.uploadId,
  };
  return commitNewBinary(stores, principal, upload.object, content, startedAt);
}

/** Bytes of a new revision, already in R2 under a fresh key that no row references yet. */
export interface StoredContent {
  key: string;
  size: number;
  md5: string;
  contentType: string;
  /** The R2 multipart upload id, when it is tracked in D1 (untracked in the same write as the row). */
  trackedUploadId?: string;
  /** The bytes were reserved against the tenant's quota already (a resumable upload's declared length). */
  reserved?: boolean;
}

/**
 * The row of a new binary whose bytes are stored (POST, a completed resumable upload): one D1
 * batch; on failure the bytes are deleted. `startedAtMs` is when the bytes began to arrive: the
 * tenant must not have been deleted and created anew since (the principal may be a cached login of
 * the old tenant); a new tenant with the same id is created at least TENANT_ID_REST_MS after the
 * delete, far beyond the clock slack allowed here.
 */
export async function commitNewBinary(
  { db, bucket, shard }: Stores,
  principal: Principal,
  object: { name: string; type: string; fragments: Record<string, unknown> },
  content: StoredContent,
  startedAtMs: number,
): Promise<BinaryRow> {
  const guard = {
    tenantCreatedBy: new Date(startedAtMs + CLOCK_SLACK_MS).toISOString(),
    untrack: content.trackedUploadId !== undefined,
    // The metadata counts too (docs/api.md#usage-and-quotas), except for a completed upload: its
    // length was reserved, and a finished upload is not refused for its name and fragments.
    quotaBytes: content.reserved ? 0 : content.size + metadataSize(object),
    shard,
  };
  const now = new Date().toISOString();
  try {
    const row = await insertBinary(
      db,
      {
        tenant: principal.tenant,
        name: object.name,
        type: object.type,
        owner: principal.userName,
        creationTime: now,
        lastUpdated: now,
        contentType: content.contentType,
        length: content.size,
        md5: content.md5,
        revpos: 1,
        r2Key: content.key,
        fragments: object.fragments,
      },
      guard,
    );
    noteCommitted(principal.tenant, guard.quotaBytes);
    return row;
  } catch (error) {
    await deleteObjectQuietly(bucket, content.key);
    throw error;
  }
}

/** The new bytes of a replace: the body, its declared length and media type. */
export interface NewContent {
  body: ReadableStream<Uint8Array> | null;
  length: number | undefined;
  contentType: string;
}

/**
 * PUT /inventory/binaries/{id}: new bytes under a fresh key, then the row switches to them, and
 * only then is the old object deleted. With a precondition, a concurrent change is a 412
 * (optimistic concurrency); without one, the last writer wins and nothing leaks.
 */
export async function replaceBinary(
  stores: Stores,
  principal: Principal,
  id: number,
  content: NewContent,
  precondition?: Precondition,
): Promise<BinaryRow> {
  const { db, bucket, config } = stores;
  // With a known length the row and the tenant's usage are read together (one round trip), so a
  // replace that cannot fit is refused before any byte is stored; a chunked one is checked at commit.
  let current: BinaryRow;
  if (content.length !== undefined) {
    const found = await findBinaryAndUsage(primaryOf(db), principal.tenant, id);
    current = authorised(principal, found.row, "write");
    if (precondition && !precondition(current)) throw preconditionFailed();
    refuseIfOverQuota(found.usage, content.length - current.length);
  } else {
    current = await loadBinary(db, principal, id, "write");
    if (precondition && !precondition(current)) throw preconditionFailed();
  }
  const key = objectKey(principal.tenant);
  const stored = await ingestRawBody(
    bucket,
    key,
    content.body,
    content.length,
    content.contentType,
    config,
    multipartTracker(db, key),
    // A chunked body's size is known once it is held (a file within a part) or at least a part.
    quotaCheck(stores, principal.tenant, (bytes) => bytes - current.length),
  );
  const newContent: StoredContent = {
    key,
    size: stored.size,
    md5: stored.md5,
    contentType: content.contentType,
    trackedUploadId: stored.uploadId,
  };
  return commitReplace(stores, principal, current, newContent, precondition);
}

/**
 * Switches binary `checked` (as read and authorised by the caller, or its id, read and authorised
 * here) to bytes already stored (PUT, a completed resumable replace), then deletes the old bytes
 * and drops them from the edge cache. With a precondition: only if the row still points at the
 * bytes it held when checked (compare-and-set, else 412). Without: last writer wins in one atomic
 * swap that also reads the key it replaces; never a retry loop. The new bytes are deleted on any
 * failure, so no row ever points at missing bytes and no bytes outlive a refusal.
 */
export async function commitReplace(
  { db, bucket, forget }: Stores,
  principal: Principal,
  checked: BinaryRow | number,
  content: StoredContent,
  precondition?: Precondition,
): Promise<BinaryRow> {
  const { key } = content;
  const change = {
    r2Key: key,
    length: content.size,
    md5: content.md5,
    contentType: content.contentType,
    lastUpdated: new Date().toISOString(),
  };
  let switched: { row: BinaryRow; previousKey: string } | undefined;
  // What the replace added to the tenant's usage, when this isolate knows it (for its hints).
  let grew: number | undefined;
  try {
    const current = typeof checked === "number" ? await loadBinary(db, principal, checked, "write") : checked;
    if (precondition && !precondition(current)) throw preconditionFailed();
    const reserved = content.reserved === true;
    const row = await switchContent(db, principal.tenant, current.id, current.r2Key, change, reserved);
    // A replace that grows the binary past the tenant's quota (docs/api.md#usage-and-quotas).
    if (!row && !reserved && content.size > current.length) {
      await throwIfOverQuota(db, principal.tenant, content.size - current.length);
    }
    if (row) {
      switched = { row, previousKey: current.r2Key };
      if (!reserved) grew = content.size - current.length;
    } else if (precondition) {
      // Only the bytes the client checked may be replaced (optimistic concurrency).
      if (await isSwept(db, key)) throw resumableExpired();
      if (await findBinary(primaryOf(db), principal.tenant, current.id)) throw preconditionFailed();
    } else {
      // Somebody replaced it since it was read: one atomic swap that also reads the key it replaces.
      switched = await swapContent(db, principal.tenant, current.id, change, reserved);
      if (!switched && !reserved) await throwIfOverQuota(db, principal.tenant, content.size - current.length);
    }
    if (!switched && (await isSwept(db, key))) throw resumableExpired();
    if (content.trackedUploadId !== undefined) await untrackMultipart(db, content.trackedUploadId);
  } catch (error) {
    // Never delete bytes a row already points at (an untrack failing after the switch).
    if (!switched) await deleteObjectQuietly(bucket, key);
    throw error;
  }
  if (!switched) {
    await deleteObjectQuietly(bucket, key);
    throw notFound("Managed object");
  }
  // A swap replaced bytes of a length not known here: the hint is forgotten (the next check reads).
  if (grew !== undefined) noteCommitted(principal.tenant, grew);
  else if (content.reserved !== true) forgetUsageHint(principal.tenant);
  await deleteObjectQuietly(bucket, switched.previousKey);
  forget?.(switched.previousKey);
  return switched.row;
}

/**
 * DELETE: the row goes first, so no row ever points at missing bytes; then the object. With a
 * precondition, the delete only applies to the bytes it was checked against.
 */
export async function removeBinary(
  { db, bucket, forget }: Stores,
  principal: Principal,
  id: number,
  precondition?: Precondition,
): Promise<void> {
  const row = await loadBinary(db, principal, id, "write");
  if (precondition && !precondition(row)) throw preconditionFailed();
  const deleted = await deleteBinaryRow(db, principal.tenant, row.id, precondition ? row.r2Key : undefined);
  if (!deleted) throw precondition ? preconditionFailed() : notFound("Managed object");
  noteCommitted(principal.tenant, -deleted.length);
  await deleteObjectQuietly(bucket, deleted.r2Key);
  forget?.(deleted.r2Key);
}
