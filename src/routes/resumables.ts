import { type Context, Hono } from "hono";
import { mayCreate } from "../binaries/policy";
import { binaryUrl, toManagedObject } from "../c8y/managed-object";
import { MANAGED_OBJECT_MEDIA_TYPE } from "../c8y/media-types";
import { collectionStream, offsetOf, parsePaging } from "../c8y/paging";
import { readConfig } from "../config";
import type { AppEnv } from "../env";
import { forbidden, invalidRequest, tooLarge, tusVersionMismatch, unsupportedMediaType } from "../errors";
import { contentLength, wantsBody } from "../http/headers";
import { storedContentType } from "../http/media-type";
import { sfBoolean, sfInteger, sfIntegerDictionary } from "../http/structured-fields";
import { nonNegativeInteger, parseUploadChecksum, parseUploadMetadata } from "../http/tus-headers";
import { filenameOf, intentFromMetadata, type ResumableIntent } from "../resumable/metadata";
import type { ResumableRow } from "../resumable/service";
import {
  type AppendOutcome,
  appendToResumable,
  createResumable,
  listResumables,
  loadResumable,
  terminateResumable,
} from "../resumable/service";
import { validatorsOf } from "../revisions/revision";
import { bytesToBase64 } from "../utils/base64";
import { originOf, rejectOtherMethods, storesOf } from "./context";

/**
 * /inventory/binaries/uploads: resumable uploads (docs/api.md#resumable-uploads) in two protocols on the same
 * resources, told apart by the request's headers: tus 1.0.0 (`Tus-Resumable`,
 * `application/offset+octet-stream`) and the IETF draft "Resumable Uploads for HTTP"
 * (`Upload-Complete`, `application/partial-upload`).
 */
export const resumablesRoutes = new Hono<AppEnv>();

type Ctx = Context<AppEnv>;
const TUS_VERSION = "1.0.0";
const TUS_EXTENSIONS = "creation,creation-with-upload,creation-defer-length,expiration,checksum,termination";
/** The draft's interop version we follow (draft-ietf-httpbis-resumable-upload, docs/api.md#resumable-uploads). */
const DRAFT_INTEROP_VERSION = "8";
const TUS_CONTENT_TYPE = "application/offset+octet-stream";
const DRAFT_CONTENT_TYPE = "application/partial-upload";
/** Upload-Metadata longer than this is refused (413) before it is parsed. */
const MAX_METADATA_HEADER = 16 * 1024;

// tus: every answer (errors included) names the protocol version.
resumablesRoutes.use("*", async (c, next) => {
  await next();
  c.res.headers.set("Tus-Resumable", TUS_VERSION);
});

const uploadUrl = (c: Ctx, id: string) => `${originOf(c)}/inventory/binaries/uploads/${id}`;
const mediaTypeOf = (c: Ctx) => c.req.header("Content-Type")?.split(";")[0]?.trim().toLowerCase();

/** tus requests carry Tus-Resumable; when they do, it must be our version (412 otherwise). */
function isTus(c: Ctx): boolean {
  const version = c.req.header("Tus-Resumable");
  if (version === undefined) return false;
  if (version.trim() !== TUS_VERSION) throw tusVersionMismatch();
  return true;
}

function limits(c: Ctx, upload?: ResumableRow): Record<string, string> {
  const config = readConfig(c.env);
  const members: Record<string, number> = { "max-size": config.tusMaxSize };
  if (upload) members["max-age"] = Math.max(0, Math.floor((upload.expiresMs - Date.now()) / 1000));
  return { "Upload-Limit": sfIntegerDictionary(members) };
}

function expires(upload: ResumableRow): Record<string, string> {
  return { "Upload-Expires": new Date(upload.expiresMs).toUTCString() };
}

/**
 * The body's length: its Content-Length, 0 without a body, undefined for a body of unknown length
 * (`Transfer-Encoding: chunked`), which is streamed in bounded memory (docs/api.md#resumable-uploads).
 */
function bodyLength(c: Ctx): number | undefined {
  const length = contentLength(c.req.header("Content-Length"));
  if (length !== undefined) return length;
  return c.req.raw.body === null ? 0 : undefined;
}

function checksumOf(c: Ctx) {
  const checksum = parseUploadChecksum(c.req.header("Upload-Checksum"));
  if (typeof checksum === "string") throw invalidRequest(checksum);
  return checksum;
}

/** Want-Repr-Digest (RFC 9530) asks for sha-256 with a non-zero weight. */
function wantsSha256(c: Ctx): boolean {
  const header = c.req.header("Want-Repr-Digest");
  return header !== undefined && /(^|,)\s*sha-256\s*=\s*([1-9]|10)\s*(,|$)/i.test(header);
}

/** Digest headers of a completed upload: Repr-Digest (RFC 9530) with sha-256 (when asked) and md5. */
function digestHeaders(outcome: AppendOutcome): Record<string, string> {
  if (!outcome.digests) return {};
  const members = Object.entries(outcome.digests).map(([name, bytes]) => `${name}=:${bytesToBase64(bytes)}:`);
  return { "Repr-Digest": members.join(", ") };
}

function metadataOf(c: Ctx): { intent: ResumableIntent; raw: string | undefined } {
  const raw = c.req.header("Upload-Metadata");
  if (raw !== undefined && raw.length > MAX_METADATA_HEADER)
    throw tooLarge(`Upload-Metadata is longer than ${MAX_METADATA_HEADER} bytes.`);
  const metadata = parseUploadMetadata(raw);
  if (typeof metadata === "string") throw invalidRequest(metadata);
  return { intent: intentFromMetadata(metadata, readConfig(c.env).maxJsonSize), raw };
}

/** The answer to a request that completed the upload with the draft: what POST or PUT would answer. */
function draftCompleted(c: Ctx, outcome: AppendOutcome): Response {
  const binary = outcome.binary!;
  const headers: Record<string, string> = {
    ...digestHeaders(outcome),
    "Upload-Complete": "?1",
    Location: binaryUrl(originOf(c), binary.id),
  };
  if (outcome.upload.replace) headers.ETag = validatorsOf(binary).etag;
  if (!wantsBody(c.req.header("Accept"))) return c.body(null, 201, headers);
  const body = JSON.stringify(toManagedObject(binary, binaryUrl(originOf(c), binary.id)));
  return c.body(body, 201, { ...headers, "Content-Type": MANAGED_OBJECT_MEDIA_TYPE });
}

resumablesRoutes.options("/*", (c) => {
  const config = readConfig(c.env);
  return c.body(null, 204, {
    "Tus-Version": TUS_VERSION,
    "Tus-Extension": TUS_EXTENSIONS,
    "Tus-Max-Size": String(config.tusMaxSize),
    "Tus-Checksum-Algorithm": "sha1,md5,sha256",
    ...limits(c),
    Allow: "OPTIONS, GET, HEAD, POST, PATCH, DELETE",
  });
});

resumablesRoutes.get("/", async (c) => {
  const paging = parsePaging((name) => c.req.query(name));
  const nowMs = Date.now();
  // Streamed a byte-bounded batch at a time (docs/api.md#resumable-endpoints): memory one batch, not the page.
  async function* pages(): AsyncGenerator<unknown[], void, undefined> {
    for await (const rows of listResumables(c.var.db, c.var.principal, nowMs, paging.pageSize, offsetOf(paging))) {
      yield rows.map((row) => ({
        id: row.id,
        self: uploadUrl(c, row.id),
        offset: row.received,
        ...(row.length === null ? {} : { length: row.length }),
        name: row.name,
        type: row.type,
        contentType: row.contentType,
        ...(row.replace ? { binaryId: String(row.binaryId) } : {}),
        creationTime: new Date(row.createdMs).toISOString(),
        expires: new Date(row.expiresMs).toISOString(),
      }));
    }
  }
  const batches = pages();
  const first = await batches.next();
  const body = collectionStream(c.req.url, paging, "uploads", first.done ? [] : first.value, batches, undefined);
  return c.body(body, 200, { "Content-Type": "application/json" });
});

resumablesRoutes.post("/", async (c) => {
  const nowMs = Date.now();
  const complete = sfBoolean(c.req.header("Upload-Complete"));
  const draft = complete !== undefined;
  if (!draft && !isTus(c)) throw tusVersionMismatch();
  const { intent, raw } = metadataOf(c);
  if (draft) {
    const type = c.req.header("Content-Type");
    if (type !== undefined && intent.contentType === undefined) intent.contentType = storedContentType(type);
    intent.name ??= filenameOf(c.req.header("Content-Disposition"));
  }
  if (intent.binaryId === undefined && !mayCreate(c.var.principal)) throw forbidden();

  let length: number | undefined;
  const body = bodyLength(c);
  if (draft) {
    length = sfInteger(c.req.header("Upload-Length"));
    if (length !== undefined && length < 0) throw invalidRequest("Upload-Length must not be negative.");
    if (complete && body !== undefined) {
      if (length !== undefined && length !== body)
        throw invalidRequest("Upload-Length and Content-Length disagree (inconsistent length).");
      length = body;
    }
  } else {
    const declared = nonNegativeInteger(c.req.header("Upload-Length"));
    const deferred = c.req.header("Upload-Defer-Length");
    if (declared === "invalid") throw invalidRequest("Upload-Length must be a non-negative integer.");
    if (deferred !== undefined && deferred.trim() !== "1") throw invalidRequest("Upload-Defer-Length must be 1.");
    if ((declared === undefined) === (deferred === undefined))
      throw invalidRequest("Send exactly one of Upload-Length and Upload-Defer-Length: 1.");
    length = declared;
    if (body !== 0 && mediaTypeOf(c) !== TUS_CONTENT_TYPE)
      throw unsupportedMediaType(`Upload data must be ${TUS_CONTENT_TYPE}.`);
  }
  // Refusals that need no byte are made before the upload exists (it is never created for them).
  if (length !== undefined && body !== undefined && body > length)
    throw invalidRequest(`The data ends at ${body}, past the upload's length ${length}.`);
  const checksum = checksumOf(c);
  const stores = storesOf(c);
  const ifMatch = c.req.header("If-Match");
  let upload = await createResumable(stores, c.var.principal, {
    length,
    intent,
    rawMetadata: raw,
    ifMatch,
    wantSha256: wantsSha256(c),
    nowMs,
  });
  const location = uploadUrl(c, upload.id);
  let outcome: AppendOutcome | undefined;
  if (body !== 0 || length === 0 || complete) {
    try {
      outcome = await appendToResumable(stores, c.var.principal, upload.id, {
        offset: 0,
        body: c.req.raw.body,
        contentLength: body,
        declaredLength: undefined,
        complete: complete === true,
        checksum,
        nowMs,
      });
    } catch (error) {
      // A refused creation-with-upload (bad checksum, too much data, ...) answers without a
      // Location, so nobody could ever resume it: it leaves no upload behind.
      await terminateResumable(stores, c.var.principal, upload.id, nowMs).catch(() => undefined);
      throw error;
    }
    upload = outcome.upload;
  }
  if (draft && outcome?.binary) return draftCompleted(c, outcome);
  const headers: Record<string, string> = {
    Location: location,
    "Upload-Offset": String(upload.received),
    ...expires(upload),
  };
  if (draft)
    Object.assign(
      headers,
      { "Upload-Complete": "?0", "Upload-Draft-Interop-Version": DRAFT_INTEROP_VERSION },
      limits(c, upload),
    );
  if (outcome?.binary)
    Object.assign(headers, { "Content-Location": binaryUrl(originOf(c), outcome.binary.id) }, digestHeaders(outcome));
  return c.body(null, 201, headers);
});

/** HEAD (and GET): where the upload stands, for both protocols. */
resumablesRoutes.get("/:uploadId", async (c) => {
  const tus = isTus(c);
  const upload = await loadResumable(c.var.db, c.var.principal, c.req.param("uploadId"), Date.now());
  const headers: Record<string, string> = {
    "Upload-Offset": String(upload.received),
    "Upload-Complete": upload.completedMs === null ? "?0" : "?1",
    "Cache-Control": "no-store",
    ...expires(upload),
    ...limits(c, upload),
  };
  if (upload.length !== null) headers["Upload-Length"] = String(upload.length);
  else headers["Upload-Defer-Length"] = "1";
  if (upload.metadata) headers["Upload-Metadata"] = upload.metadata;
  if (upload.completedMs !== null && upload.binaryId !== null) {
    headers["Content-Location"] = binaryUrl(originOf(c), upload.binaryId);
  }
  return c.body(null, tus ? 200 : 204, headers);
});

async function patch(c: Ctx): Promise<Response> {
  const nowMs = Date.now();
  const media = mediaTypeOf(c);
  const draft = media === DRAFT_CONTENT_TYPE;
  if (!draft && media !== TUS_CONTENT_TYPE)
    throw unsupportedMediaType(`PATCH needs ${TUS_CONTENT_TYPE} (tus) or ${DRAFT_CONTENT_TYPE} (draft).`);
  const tus = isTus(c);
  if (!draft && !tus) throw tusVersionMismatch();
  const offset = draft ? sfInteger(c.req.header("Upload-Offset")) : nonNegativeInteger(c.req.header("Upload-Offset"));
  if (offset === undefined || offset === "invalid" || offset < 0)
    throw invalidRequest("Upload-Offset must be a non-negative integer.");
  const complete = draft ? sfBoolean(c.req.header("Upload-Complete")) : false;
  if (complete === undefined) throw invalidRequest("Upload-Complete must be ?0 or ?1.");
  const declared = draft ? sfInteger(c.req.header("Upload-Length")) : nonNegativeInteger(c.req.header("Upload-Length"));
  if (declared === "invalid" || (declared !== undefined && declared < 0))
    throw invalidRequest("Upload-Length must be a non-negative integer.");
  const outcome = await appendToResumable(storesOf(c), c.var.principal, c.req.param("uploadId") ?? "", {
    offset,
    body: c.req.raw.body,
    contentLength: bodyLength(c),
    declaredLength: declared,
    complete,
    checksum: checksumOf(c),
    nowMs,
  });
  if (draft && outcome.binary) return draftCompleted(c, outcome);
  const headers: Record<string, string> = {
    "Upload-Offset": String(outcome.upload.received),
    ...expires(outcome.upload),
  };
  if (draft) headers["Upload-Complete"] = "?0";
  if (outcome.binary) {
    Object.assign(
      headers,
      {
        Location: binaryUrl(originOf(c), outcome.binary.id),
        "Content-Location": binaryUrl(originOf(c), outcome.binary.id),
      },
      digestHeaders(outcome),
    );
    if (outcome.upload.replace) headers.ETag = validatorsOf(outcome.binary).etag;
  }
  return c.body(null, 204, headers);
}

async function remove(c: Ctx): Promise<Response> {
  isTus(c);
  await terminateResumable(storesOf(c), c.var.principal, c.req.param("uploadId") ?? "", Date.now());
  return c.body(null, 204);
}

resumablesRoutes.patch("/:uploadId", patch);
resumablesRoutes.delete("/:uploadId", remove);
// tus: clients behind proxies that only pass GET and POST send the real method in X-HTTP-Method-Override.
resumablesRoutes.post("/:uploadId", async (c) => {
  const method = c.req.header("X-HTTP-Method-Override")?.toUpperCase();
  if (method === "PATCH") return patch(c);
  if (method === "DELETE") return remove(c);
  throw rejectOtherMethods("GET, HEAD, PATCH, DELETE, OPTIONS")();
});
resumablesRoutes.all("/", rejectOtherMethods("GET, POST, OPTIONS"));
resumablesRoutes.all("/:uploadId", rejectOtherMethods("GET, HEAD, PATCH, DELETE, OPTIONS"));
