/**
 * Resumable uploads (tus 1.0.0 and the IETF resumable-upload draft, docs/api.md#resumable-uploads): the state of
 * each upload resource and every write to it. The route calls protocol.ts, one exchange per request (headers in
 * through request-headers.ts, tus-headers.ts and metadata.ts; the lifecycle step; headers out through
 * response-headers.ts); the list and the cron come through this file. The work is split along an upload's life:
 * create.ts, append.ts, complete.ts (through binaries/service's one guarded write of a binary), expire.ts
 * (termination and the cron sweep), list.ts, with state.ts shared. Below: D1 queries
 * (db/resumables), the append engine (ingest/resumable-append), the pausable digests (hashing/).
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
export type { AppendInput, AppendOutcome } from "./append";
export { appendToResumable } from "./append";
export type { CreateInput } from "./create";
export { createResumable, partSizeFor } from "./create";
export type { ResumableSweepReport } from "./expire";
export { sweepResumables, terminateResumable } from "./expire";
export { LIST_BATCH_BYTES, listResumables } from "./list";
export type { ResumableRow } from "./state";
export { loadResumable } from "./state";
