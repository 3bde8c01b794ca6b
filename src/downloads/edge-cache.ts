import type { BinaryRow } from "../db/schema";

/**
 * The Workers Cache API key of a binary's bytes. It names tenant, id, revision and digest, so a
 * replace or delete can never be answered from a stale entry: the new row asks for a new key.
 * The host is not a real one; the key only has to be a URL unique to this content.
 */
function cacheKeyOf(row: BinaryRow): Request {
  const path = [encodeURIComponent(row.tenant), row.id, row.revpos, encodeURIComponent(row.md5)].join("/");
  return new Request(`https://binaries.cache.internal/${path}`);
}

/** How the edge cache is used: which cache, up to what size, and how to finish work in background. */
export interface EdgeCache {
  cache: Cache;
  maxBytes: number;
  waitUntil: (promise: Promise<unknown>) => void;
}

/** A cached full body for `row`, if the edge has one. Only ever called after authorisation. */
export async function cachedBody(edge: EdgeCache, row: BinaryRow): Promise<ReadableStream | undefined> {
  if (row.length > edge.maxBytes) return undefined;
  const hit = await edge.cache.match(cacheKeyOf(row));
  return hit?.body ?? undefined;
}

/**
 * Tees a body fetched from R2 into the cache (in the background) and returns the branch for the
 * client. The cached copy is public to the cache but only reachable through the key above, which
 * the service derives after checking who is asking.
 */
export function storeInCache(edge: EdgeCache, row: BinaryRow, body: ReadableStream): ReadableStream {
  if (row.length > edge.maxBytes) return body;
  const [forClient, forCache] = body.tee();
  const entry = new Response(forCache, {
    headers: {
      "Content-Length": String(row.length),
      "Content-Type": "application/octet-stream",
      "Cache-Control": "public, max-age=604800",
    },
  });
  edge.waitUntil(edge.cache.put(cacheKeyOf(row), entry).catch((error) => console.warn("edge cache put failed", error)));
  return forClient;
}
