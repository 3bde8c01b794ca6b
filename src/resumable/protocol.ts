/**
 * The two resumable-upload protocols spoken on /inventory/binaries/uploads (docs/api.md#resumable-uploads):
 * tus 1.0.0 (`Tus-Resumable`, `application/offset+octet-stream`) and the IETF draft "Resumable Uploads for
 * HTTP" (`Upload-Complete`, `application/partial-upload`), told apart by the request's headers. This module
 * turns request headers into the lifecycle's inputs (create, append) and outcomes into response headers, for
 * both; it reuses http/'s parsers (Structured Fields, Content-Length, media types) and tus-headers for tus's
 * own grammar. No Hono here: the route hands in `header(name)` and renders what comes back.
 */
import { invalidRequest, tooLarge, tusVersionMismatch, unsupportedMediaType } from "../errors";
import { contentLength } from "../http/headers";
import { storedContentType } from "../http/media-type";
import { sfBoolean, sfInteger, sfIntegerDictionary } from "../http/structured-fields";
import { bytesToBase64 } from "../utils/base64";
import type { AppendInput, AppendOutcome } from "./append";
import type { CreateInput } from "./create";
import { filenameOf, intentFromMetadata, type ResumableIntent } from "./metadata";
import type { ResumableRow } from "./state";
import { nonNegativeInteger, parseUploadChecksum, parseUploadMetadata } from "./tus-headers";

/** Reads one request header; undefined when absent. */
export type HeaderOf = (name: string) => string | undefined;

export const TUS_VERSION = "1.0.0";
const TUS_EXTENSIONS = "creation,creation-with-upload,creation-defer-length,expiration,checksum,termination";
/** The draft's interop version we follow (draft-ietf-httpbis-resumable-upload, docs/api.md#resumable-uploads). */
const DRAFT_INTEROP_VERSION = "8";
const TUS_CONTENT_TYPE = "application/offset+octet-stream";
const DRAFT_CONTENT_TYPE = "application/partial-upload";
/** Upload-Metadata longer than this is refused (413) before it is parsed. */
const MAX_METADATA_HEADER = 16 * 1024;

const mediaTypeOf = (header: HeaderOf) => header("Content-Type")?.split(";")[0]?.trim().toLowerCase();

/** tus requests carry Tus-Resumable; when they do, it must be our version (412 otherwise). */
export function isTus(header: HeaderOf): boolean {
  const version = header("Tus-Resumable");
  if (version === undefined) return false;
  if (version.trim() !== TUS_VERSION) throw tusVersionMismatch();
  return true;
}

/** Upload-Limit: the largest upload, and how long this one has left when there is one. */
function limits(maxSize: number, upload?: ResumableRow): Record<string, string> {
  const members: Record<string, number> = { "max-size": maxSize };
  if (upload) members["max-age"] = Math.max(0, Math.floor((upload.expiresMs - Date.now()) / 1000));
  return { "Upload-Limit": sfIntegerDictionary(members) };
}

function expires(upload: ResumableRow): Record<string, string> {
  return { "Upload-Expires": new Date(upload.expiresMs).toUTCString() };
}

/** OPTIONS: what the server speaks. */
export function capabilities(maxSize: number): Record<string, string> {
  return {
    "Tus-Version": TUS_VERSION,
    "Tus-Extension": TUS_EXTENSIONS,
    "Tus-Max-Size": String(maxSize),
    "Tus-Checksum-Algorithm": "sha1,md5,sha256",
    ...limits(maxSize),
    Allow: "OPTIONS, GET, HEAD, POST, PATCH, DELETE",
  };
}

/**
 * The body's length: its Content-Length, 0 without a body, undefined for a body of unknown length
 * (`Transfer-Encoding: chunked`), which is streamed in bounded memory (docs/api.md#resumable-uploads).
 */
function bodyLength(header: HeaderOf, hasBody: boolean): number | undefined {
  const length = contentLength(header("Content-Length"));
  if (length !== undefined) return length;
  return hasBody ? undefined : 0;
}

function checksumOf(header: HeaderOf) {
  return parseUploadChecksum(header("Upload-Checksum"));
}

/** Want-Repr-Digest (RFC 9530) asks for sha-256 with a non-zero weight. */
function wantsSha256(header: HeaderOf): boolean {
  const value = header("Want-Repr-Digest");
  return value !== undefined && /(^|,)\s*sha-256\s*=\s*([1-9]|10)\s*(,|$)/i.test(value);
}

/** Digest headers of a completed upload: Repr-Digest (RFC 9530) with sha-256 (when asked) and md5. */
function digestHeaders(outcome: AppendOutcome): Record<string, string> {
  if (!outcome.digests) return {};
  const members = Object.entries(outcome.digests).map(([name, bytes]) => `${name}=:${bytesToBase64(bytes)}:`);
  return { "Repr-Digest": members.join(", ") };
}

function metadataOf(header: HeaderOf, maxJsonSize: number): { intent: ResumableIntent; raw: string | undefined } {
  const raw = header("Upload-Metadata");
  if (raw !== undefined && raw.length > MAX_METADATA_HEADER)
    throw tooLarge(`Upload-Metadata is longer than ${MAX_METADATA_HEADER} bytes.`);
  const metadata = parseUploadMetadata(raw);
  return { intent: intentFromMetadata(metadata, maxJsonSize), raw };
}

/** A creation request (POST), as the lifecycle needs it. */
export interface Creation {
  draft: boolean;
  /** The draft's Upload-Complete; undefined for tus. */
  complete: boolean | undefined;
  create: Omit<CreateInput, "nowMs">;
  /** The body's length (0 without one, undefined when chunked). */
  bodyLength: number | undefined;
  checksum: AppendInput["checksum"];
}

/**
 * Reads a creation request. `mayStart` is asked once the intent is known and before the lengths are read
 * (a caller without the right gets 403 whatever else is wrong). Refusals that need no byte are made here,
 * before the upload exists (it is never created for them).
 */
export function parseCreation(
  header: HeaderOf,
  hasBody: boolean,
  maxJsonSize: number,
  mayStart: (intent: ResumableIntent) => void,
): Creation {
  const complete = sfBoolean(header("Upload-Complete"));
  const draft = complete !== undefined;
  if (!draft && !isTus(header)) throw tusVersionMismatch();
  const { intent, raw } = metadataOf(header, maxJsonSize);
  if (draft) {
    const type = header("Content-Type");
    if (type !== undefined && intent.contentType === undefined) intent.contentType = storedContentType(type);
    intent.name ??= filenameOf(header("Content-Disposition"));
  }
  mayStart(intent);

  let length: number | undefined;
  const body = bodyLength(header, hasBody);
  if (draft) {
    length = sfInteger(header("Upload-Length"));
    if (length !== undefined && length < 0) throw invalidRequest("Upload-Length must not be negative.");
    if (complete && body !== undefined) {
      if (length !== undefined && length !== body)
        throw invalidRequest("Upload-Length and Content-Length disagree (inconsistent length).");
      length = body;
    }
  } else {
    const declared = nonNegativeInteger(header("Upload-Length"));
    const deferred = header("Upload-Defer-Length");
    if (declared === "invalid") throw invalidRequest("Upload-Length must be a non-negative integer.");
    if (deferred !== undefined && deferred.trim() !== "1") throw invalidRequest("Upload-Defer-Length must be 1.");
    if ((declared === undefined) === (deferred === undefined))
      throw invalidRequest("Send exactly one of Upload-Length and Upload-Defer-Length: 1.");
    length = declared;
    if (body !== 0 && mediaTypeOf(header) !== TUS_CONTENT_TYPE)
      throw unsupportedMediaType(`Upload data must be ${TUS_CONTENT_TYPE}.`);
  }
  if (length !== undefined && body !== undefined && body > length)
    throw invalidRequest(`The data ends at ${body}, past the upload's length ${length}.`);
  const checksum = checksumOf(header);
  return {
    draft,
    complete,
    create: { length, intent, rawMetadata: raw, ifMatch: header("If-Match"), wantSha256: wantsSha256(header) },
    bodyLength: body,
    checksum,
  };
}

/** Whether a creation carries bytes (or completes) and so appends in the same request. */
export function appendsOnCreation(creation: Creation): boolean {
  return creation.bodyLength !== 0 || creation.create.length === 0 || creation.complete === true;
}

/** An append request (PATCH), as the lifecycle needs it (without the body stream and the clock). */
export function parseAppend(
  header: HeaderOf,
  hasBody: boolean,
): { draft: boolean; append: Omit<AppendInput, "body" | "nowMs"> } {
  const media = mediaTypeOf(header);
  const draft = media === DRAFT_CONTENT_TYPE;
  if (!draft && media !== TUS_CONTENT_TYPE)
    throw unsupportedMediaType(`PATCH needs ${TUS_CONTENT_TYPE} (tus) or ${DRAFT_CONTENT_TYPE} (draft).`);
  const tus = isTus(header);
  if (!draft && !tus) throw tusVersionMismatch();
  const offset = draft ? sfInteger(header("Upload-Offset")) : nonNegativeInteger(header("Upload-Offset"));
  if (offset === undefined || offset === "invalid" || offset < 0)
    throw invalidRequest("Upload-Offset must be a non-negative integer.");
  const complete = draft ? sfBoolean(header("Upload-Complete")) : false;
  if (complete === undefined) throw invalidRequest("Upload-Complete must be ?0 or ?1.");
  const declared = draft ? sfInteger(header("Upload-Length")) : nonNegativeInteger(header("Upload-Length"));
  if (declared === "invalid" || (declared !== undefined && declared < 0))
    throw invalidRequest("Upload-Length must be a non-negative integer.");
  return {
    draft,
    append: {
      offset,
      contentLength: bodyLength(header, hasBody),
      declaredLength: declared,
      complete,
      checksum: checksumOf(header),
    },
  };
}

/** Where the answers point: the upload resource and the binary it made. */
export interface Urls {
  upload: (id: string) => string;
  binary: (id: number) => string;
}

/**
 * The draft's answer to a request that completed the upload: what POST or PUT would answer (201, Location of
 * the binary, its ETag for a replace); the route adds the managed object when the Accept rule asks for it.
 */
export function draftCompletedHeaders(outcome: AppendOutcome, urls: Urls, etag: string): Record<string, string> {
  const binary = outcome.binary!;
  const headers: Record<string, string> = {
    ...digestHeaders(outcome),
    "Upload-Complete": "?1",
    Location: urls.binary(binary.id),
  };
  if (outcome.upload.replace) headers.ETag = etag;
  return headers;
}

/** The 201 of a creation (that did not complete a draft upload). */
export function createdHeaders(
  creation: Creation,
  upload: ResumableRow,
  outcome: AppendOutcome | undefined,
  urls: Urls,
  maxSize: number,
): Record<string, string> {
  const headers: Record<string, string> = {
    Location: urls.upload(upload.id),
    "Upload-Offset": String(upload.received),
    ...expires(upload),
  };
  if (creation.draft)
    Object.assign(
      headers,
      { "Upload-Complete": "?0", "Upload-Draft-Interop-Version": DRAFT_INTEROP_VERSION },
      limits(maxSize, upload),
    );
  if (outcome?.binary)
    Object.assign(headers, { "Content-Location": urls.binary(outcome.binary.id) }, digestHeaders(outcome));
  return headers;
}

/** The 204 of an append (that did not complete a draft upload). */
export function appendedHeaders(
  draft: boolean,
  outcome: AppendOutcome,
  urls: Urls,
  etag: (binary: NonNullable<AppendOutcome["binary"]>) => string,
): Record<string, string> {
  const headers: Record<string, string> = {
    "Upload-Offset": String(outcome.upload.received),
    ...expires(outcome.upload),
  };
  if (draft) headers["Upload-Complete"] = "?0";
  if (outcome.binary) {
    Object.assign(
      headers,
      { Location: urls.binary(outcome.binary.id), "Content-Location": urls.binary(outcome.binary.id) },
      digestHeaders(outcome),
    );
    if (outcome.upload.replace) headers.ETag = etag(outcome.binary);
  }
  return headers;
}

/** HEAD (and GET): where the upload stands, for both protocols; tus answers 200, the draft 204. */
export function statusOf(
  tus: boolean,
  upload: ResumableRow,
  urls: Urls,
  maxSize: number,
): { status: 200 | 204; headers: Record<string, string> } {
  const headers: Record<string, string> = {
    "Upload-Offset": String(upload.received),
    "Upload-Complete": upload.completedMs === null ? "?0" : "?1",
    "Cache-Control": "no-store",
    ...expires(upload),
    ...limits(maxSize, upload),
  };
  if (upload.length !== null) headers["Upload-Length"] = String(upload.length);
  else headers["Upload-Defer-Length"] = "1";
  if (upload.metadata) headers["Upload-Metadata"] = upload.metadata;
  if (upload.completedMs !== null && upload.binaryId !== null) {
    headers["Content-Location"] = urls.binary(upload.binaryId);
  }
  return { status: tus ? 200 : 204, headers };
}
