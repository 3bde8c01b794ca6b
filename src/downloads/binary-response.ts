import type { BinaryRow } from "../db/schema";
import { notFound, rangeNotSatisfiable } from "../errors";
import { notModified, rangeStillValid, type Validators } from "../http/conditional";
import { contentDisposition } from "../http/content-disposition";
import { parseRange } from "../http/range";
import { cachedBody, type EdgeCache, storeInCache } from "./edge-cache";

/** The strong ETag and Last-Modified of a binary. */
export function validatorsOf(row: BinaryRow): Validators {
  return { etag: `"${row.md5}"`, lastModified: Date.parse(row.lastUpdated) };
}

function baseHeaders(row: BinaryRow, validators: Validators): Record<string, string> {
  return {
    ETag: validators.etag,
    "Last-Modified": new Date(validators.lastModified).toUTCString(),
    "Accept-Ranges": "bytes",
    // Authorised content: browsers may keep it (revalidating), shared caches may not, and no
    // proxy or edge may recompress it (Content-Length and ranges must stay exact).
    "Cache-Control": "private, no-cache, no-transform",
    "Content-Disposition": contentDisposition(row.name),
    // `wrangler dev` gzips text-like responses whatever Cache-Control says; an explicit identity
    // coding keeps the exact bytes, Content-Length and ranges through every layer.
    "Content-Encoding": "identity",
  };
}

/**
 * Answers GET or HEAD for a binary the caller may read (docs/api.md §5): 304 for a current validator,
 * 206/416 for a single Range, else the whole body. HEAD never opens the body. Full bodies go
 * through the edge cache when one is given.
 */
export async function binaryResponse(
  bucket: R2Bucket,
  edge: EdgeCache | undefined,
  row: BinaryRow,
  request: Request,
): Promise<Response> {
  const validators = validatorsOf(row);
  const headers = new Headers(baseHeaders(row, validators));
  if (notModified(request.headers, validators)) return new Response(null, { status: 304, headers });

  headers.set("Content-Type", row.contentType);
  const range = rangeStillValid(request.headers, validators)
    ? parseRange(request.headers.get("Range") ?? undefined, row.length)
    : { kind: "full" as const };
  if (range.kind === "unsatisfiable") {
    throw rangeNotSatisfiable(row.length);
  }
  const head = request.method === "HEAD";
  if (range.kind === "partial") {
    const length = range.end - range.start + 1;
    headers.set("Content-Range", `bytes ${range.start}-${range.end}/${row.length}`);
    headers.set("Content-Length", String(length));
    if (head) return new Response(null, { status: 206, headers });
    const object = await bucket.get(row.r2Key, { range: { offset: range.start, length } });
    if (!object) throw notFound("Binary content");
    return new Response(object.body, { status: 206, headers, encodeBody: "manual" });
  }

  headers.set("Content-Length", String(row.length));
  if (head) return new Response(null, { status: 200, headers });
  const cached = edge ? await cachedBody(edge, row) : undefined;
  if (cached) {
    headers.set("X-Edge-Cache", "hit");
    return new Response(cached, { status: 200, headers, encodeBody: "manual" });
  }
  const object = await bucket.get(row.r2Key);
  if (!object) throw notFound("Binary content");
  if (edge) headers.set("X-Edge-Cache", "miss");
  const body = edge ? storeInCache(edge, row, object.body) : object.body;
  return new Response(body, { status: 200, headers, encodeBody: "manual" });
}
