import type { Context } from "hono";
import { readConfig } from "../config";
import type { AppEnv } from "../env";
import type { EdgeCache } from "../downloads/edge-cache";
import type { Stores } from "../binaries/service";

/** The stores a handler passes on to storage functions, so those never see a Context. */
export function storesOf(c: Context<AppEnv>): Stores {
  return { db: c.var.db, bucket: c.env.BUCKET, config: readConfig(c.env) };
}

/** The edge cache for downloads, or undefined when EDGE_CACHE_MAX_BYTES turns it off. */
export function edgeCacheOf(c: Context<AppEnv>): EdgeCache | undefined {
  const { edgeCacheMaxBytes } = readConfig(c.env);
  if (edgeCacheMaxBytes <= 0) return undefined;
  return { cache: caches.default, maxBytes: edgeCacheMaxBytes, waitUntil: (promise) => c.executionCtx.waitUntil(promise) };
}
