import { readConfig } from "../config";

/**
 * The Workers Cache API in front of R2 (docs/api.md#edge-cache). An entry holds the full
 * bytes of one revision, keyed by its R2 key: keys are unique per revision and never reused, so an
 * entry can never answer for other bytes. The cache is per data centre: a replace or delete drops
 * the old revision's entry here, and entries elsewhere expire after `ttlSeconds` (only a signed
 * link can still reach them meanwhile; the authenticated download asks D1 for the current key).
 * The host is not a real one; the key only has to be a URL unique to the bytes.
 */

/** How the edge cache is used: which cache, up to what size and age, and how to work in background. */
export interface EdgeCache {
  cache: Cache;
  maxBytes: number;
  ttlSeconds: number;
  waitUntil: (promise: Promise<unknown>) => void;
  /**
   * The region whose bucket the bytes come from (issue 19): part of every cache key, so an entry
   * never answers for another region's object of the same key.
   */
  region: string;
}

function cacheKeyOf(edge: EdgeCache, key: string, range?: { start: number; end: number }): Request {
  const url = `https://binaries.cache.internal/${encodeURIComponent(edge.region)}/${encodeURIComponent(key)}`;
  return new Request(url, range ? { headers: { Range: `bytes=${range.start}-${range.end}` } } : undefined);
}

/** Whether objects of `length` bytes go through the cache at all. */
export function cacheable(edge: EdgeCache | undefined, length: number): edge is EdgeCache {
  return edge !== undefined && length <= edge.maxBytes;
}

/**
 * The cached bytes of a revision, whole or one range of them (the Cache API answers a range from
 * the cached full object); undefined on a miss.
 */
export async function cachedBody(
  edge: EdgeCache,
  key: string,
  range?: { start: number; end: number },
): Promise<ReadableStream | undefined> {
  const hit = await edge.cache.match(cacheKeyOf(edge, key, range));
  if (!hit?.body) return undefined;
  if (range && hit.status !== 206) {
    await hit.body.cancel();
    return undefined;
  }
  return hit.body;
}

/** Whether the edge holds a revision, without reading it. */
export async function isCached(edge: EdgeCache, key: string): Promise<boolean> {
  const hit = await edge.cache.match(cacheKeyOf(edge, key));
  await hit?.body?.cancel();
  return hit !== undefined;
}

/**
 * Tees a body fetched from R2 into the cache (in the background) and returns the branch for the
 * client. The cached copy is only reachable through its key, which the service derives after
 * checking who is asking (or after checking a link's signature).
 */
export function storeInCache(edge: EdgeCache, key: string, length: number, body: ReadableStream): ReadableStream {
  const [forClient, forCache] = body.tee();
  const entry = new Response(forCache, {
    headers: {
      "Content-Length": String(length),
      "Content-Type": "application/octet-stream",
      "Cache-Control": `public, max-age=${edge.ttlSeconds}`,
    },
  });
  edge.waitUntil(
    edge.cache.put(cacheKeyOf(edge, key), entry).catch((error) => console.warn("edge cache put failed", error)),
  );
  return forClient;
}

/** Drops a revision that is gone (replaced or deleted) from this data centre's cache. */
export function forgetCached(edge: EdgeCache, key: string): void {
  edge.waitUntil(
    edge.cache.delete(cacheKeyOf(edge, key)).catch((error) => console.warn("edge cache delete failed", error)),
  );
}

/**
 * The most revisions one request drops from the cache (each drop is a subrequest); a tenant delete
 * with more cached-size objects leaves the rest to expire (docs/api.md#edge-cache, at most `ttlSeconds`).
 */
export const MAX_FORGETS_PER_REQUEST = 500;

/** Drops the cacheable ones of `objects` (deleted with their tenant), up to the per-request budget. */
export function forgetCachedObjects(edge: EdgeCache, objects: readonly R2Object[], budget: { left: number }): void {
  for (const object of objects) {
    if (budget.left <= 0) return;
    if (!cacheable(edge, object.size)) continue;
    budget.left--;
    forgetCached(edge, object.key);
  }
}

/**
 * The edge cache of `region` for a job outside a request (a Workflow step): what it drops is awaited
 * by `settled()` before the step ends. Undefined when EDGE_CACHE_MAX_BYTES turns the cache off.
 */
export function jobEdgeCache(
  env: Env,
  region: string,
): { cache: EdgeCache; settled: () => Promise<unknown> } | undefined {
  const { edgeCacheMaxBytes, edgeCacheTtlSeconds } = readConfig(env);
  if (edgeCacheMaxBytes <= 0) return undefined;
  const pending: Promise<unknown>[] = [];
  const cache: EdgeCache = {
    cache: caches.default,
    maxBytes: edgeCacheMaxBytes,
    ttlSeconds: edgeCacheTtlSeconds,
    waitUntil: (promise) => pending.push(promise),
    region,
  };
  return { cache, settled: () => Promise.all(pending) };
}
