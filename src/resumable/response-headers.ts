/**
 * Outcomes -> response headers, for tus 1.0.0 and the IETF draft: what OPTIONS, a creation, an append and HEAD
 * answer. Called by protocol.ts's exchanges after the lifecycle step (and for OPTIONS).
 */
import { sfIntegerDictionary } from "../http/structured-fields";
import { bytesToBase64 } from "../utils/base64";
import type { AppendOutcome } from "./append";
import type { Creation } from "./request-headers";
import type { ResumableRow } from "./state";
import { TUS_VERSION } from "./tus-headers";

const TUS_EXTENSIONS = "creation,creation-with-upload,creation-defer-length,expiration,checksum,termination";
/** The draft's interop version we follow (draft-ietf-httpbis-resumable-upload, docs/api.md#resumable-uploads). */
const DRAFT_INTEROP_VERSION = "8";
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

/** Digest headers of a completed upload: Repr-Digest (RFC 9530) with sha-256 (when asked) and md5. */
function digestHeaders(outcome: AppendOutcome): Record<string, string> {
  if (!outcome.digests) return {};
  const members = Object.entries(outcome.digests).map(([name, bytes]) => `${name}=:${bytesToBase64(bytes)}:`);
  return { "Repr-Digest": members.join(", ") };
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
