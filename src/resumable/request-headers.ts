/**
 * Request headers -> the resumable lifecycle's inputs, for tus 1.0.0 (`Tus-Resumable`,
 * `application/offset+octet-stream`) and the IETF draft (`Upload-Complete`, `application/partial-upload`), told apart
 * by the headers. Reuses http/'s parsers (Structured Fields, Content-Length, media types) and tus-headers for tus's
 * own grammar. Called by protocol.ts's exchanges before the lifecycle step; refusals that need no byte are made here.
 */
import { invalidRequest, tooLarge, tusVersionMismatch, unsupportedMediaType } from "../errors";
import { contentLength } from "../http/headers";
import { storedContentType } from "../http/media-type";
import { sfBoolean, sfInteger } from "../http/structured-fields";
import type { AppendInput } from "./append";
import type { CreateInput } from "./create";
import { filenameOf, intentFromMetadata, type ResumableIntent } from "./metadata";
import { nonNegativeInteger, parseUploadChecksum, parseUploadMetadata, TUS_VERSION } from "./tus-headers";

/** Reads one request header; undefined when absent. */
export type HeaderOf = (name: string) => string | undefined;

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
