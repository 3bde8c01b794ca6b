/**
 * downloads/: bytes out. This file answers GET and HEAD for one revision (validators, ranges, 304/206/416, the
 * edge cache); beside it: the edge cache itself, signed links, and zip archives of a selection.
 */
import { notFound, rangeNotSatisfiable } from "../errors";
import { notModified, rangeStillValid, type Validators } from "../http/conditional";
import { contentDisposition } from "../http/content-disposition";
import { servedMediaType } from "../http/media-type";
import { parseRange } from "../http/range";
import { type Revision, validatorsOfRevision } from "../revisions/revision";
import { cacheable, cachedBody, type EdgeCache, isCached, storeInCache } from "./edge-cache";

function baseHeaders(revision: Revision, validators: Validators): Record<string, string> {
  return {
    ETag: validators.etag,
    "Last-Modified": new Date(validators.lastModified).toUTCString(),
    "Accept-Ranges": "bytes",
    // Authorised content: browsers may keep it (revalidating), shared caches may not, and no
    // proxy or edge may recompress it (Content-Length and ranges must stay exact).
    "Cache-Control": "private, no-cache, no-transform",
    "Content-Disposition": contentDisposition(revision.name),
    // `wrangler dev` gzips text-like responses whatever Cache-Control says; an explicit identity
    // coding keeps the exact bytes, Content-Length and ranges through every layer.
    "Content-Encoding": "identity",
    // The stored media type is what the uploader said: a browser must not guess another (a
    // "text/plain" file sniffed as HTML or script).
    "X-Content-Type-Options": "nosniff",
  };
}

/** How a download treats a revision whose bytes may be gone. */
export interface DownloadOptions {
  /**
   * Signed links: nothing but the bytes themselves says the revision still exists, so a 304, a
   * HEAD or a 416 first checks the edge cache, then R2 (`head`), and answers 404 when they are gone.
   */
  confirmExists?: boolean;
  /**
   * The authenticated download: when R2 has no object under the row's key (the row came from a
   * replica that has not seen a replace yet), the revision as the primary sees it; asked once.
   */
  reload?: () => Promise<Revision>;
}

async function confirmExists(bucket: R2Bucket, edge: EdgeCache | undefined, revision: Revision): Promise<void> {
  if (cacheable(edge, revision.length) && (await isCached(edge, revision.key))) return;
  if (!(await bucket.head(revision.key))) throw notFound("Binary content");
}

/**
 * Answers GET or HEAD for one revision of a binary (docs/api.md#download-get-head): 304 for a current validator,
 * 206/416 for a single Range, else the whole body. The authenticated HEAD and 304 never touch R2.
 * Bodies come from the edge cache when it holds the revision (a range is cut from the cached full
 * object), else from R2, teeing full bodies into the cache.
 */
export async function binaryResponse(
  bucket: R2Bucket,
  edge: EdgeCache | undefined,
  revision: Revision,
  request: Request,
  options: DownloadOptions = {},
): Promise<Response> {
  const validators = validatorsOfRevision(revision);
  const headers = new Headers(baseHeaders(revision, validators));
  const head = request.method === "HEAD";
  const size = revision.length;
  if (notModified(request.headers, validators)) {
    if (options.confirmExists) await confirmExists(bucket, edge, revision);
    return new Response(null, { status: 304, headers });
  }

  // A stored label need not be a media type (docs/api.md#upload-post): only a valid one is sent as the header.
  headers.set("Content-Type", servedMediaType(revision.contentType));
  const range = rangeStillValid(request.headers, validators)
    ? parseRange(request.headers.get("Range") ?? undefined, size)
    : { kind: "full" as const };
  if (range.kind === "unsatisfiable") {
    if (options.confirmExists) await confirmExists(bucket, edge, revision);
    throw rangeNotSatisfiable(size);
  }
  const partial = range.kind === "partial" ? range : undefined;
  const length = partial ? partial.end - partial.start + 1 : size;
  if (partial) headers.set("Content-Range", `bytes ${partial.start}-${partial.end}/${size}`);
  headers.set("Content-Length", String(length));
  const status = partial ? 206 : 200;
  if (head) {
    if (options.confirmExists) await confirmExists(bucket, edge, revision);
    return new Response(null, { status, headers });
  }

  const useCache = cacheable(edge, size);
  const cached = useCache ? await cachedBody(edge, revision.key, partial) : undefined;
  if (cached) {
    headers.set("X-Edge-Cache", "hit");
    return new Response(cached, { status, headers, encodeBody: "manual" });
  }
  const object = await bucket.get(revision.key, partial ? { range: { offset: partial.start, length } } : undefined);
  if (!object) {
    const current = options.reload ? await options.reload() : undefined;
    if (current && current.key !== revision.key)
      return binaryResponse(bucket, edge, current, request, { confirmExists: options.confirmExists });
    throw notFound("Binary content");
  }
  if (useCache) headers.set("X-Edge-Cache", "miss");
  // Only full bodies fill the cache; a range of a revision not yet cached comes from R2 alone.
  const body = useCache && !partial ? storeInCache(edge, revision.key, size, object.body) : object.body;
  return new Response(body, { status, headers, encodeBody: "manual" });
}
