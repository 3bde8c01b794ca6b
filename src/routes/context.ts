/**
 * routes/: HTTP in and out, one small router per resource (mounted in index.ts), the middleware, and this file:
 * the helpers every router shares (stores from the context, Cumulocity JSON responses, the one error handler).
 * The only code that sees hono's Context; every rule lives in a service below.
 */
import type { Context } from "hono";
import type { Stores } from "../binaries/service";
import { readConfig } from "../config";
import { type EdgeCache, forgetCached } from "../downloads/edge-cache";
import type { AppEnv } from "../env";
import {
  ApiError,
  ERROR_MEDIA_TYPE,
  errorBody,
  internalError,
  invalidRequest,
  isTenantMoving,
  methodNotAllowed,
  routeNotFound,
  tenantMoving,
  tooLarge,
} from "../errors";
import { readTextCapped } from "../http/body";
import { drainBody } from "../http/drain";
import { wantsBody } from "../http/headers";
import { HttpInputError } from "../http/input-error";
import { parseJsonObject } from "../http/json";
import { loggableError } from "../observability/loggable-error";

/**
 * The only code that reads the Hono Context for the routers: everything below routes/ gets plain
 * values (stores, origin, parsed bodies) instead.
 */

type Ctx = Context<AppEnv>;

/** The stores a handler passes on to service functions, so those never see a Context. */
export function storesOf(c: Ctx): Stores {
  const edge = edgeCacheOf(c);
  const forget = edge ? (key: string) => forgetCached(edge, key) : undefined;
  const { route } = c.var;
  return { db: c.var.db, bucket: route.region.bucket, config: readConfig(c.env), forget, shard: route.shard.no };
}

/** The bucket of the request's region (issue 19): where the tenant's bytes live. */
export function bucketOf(c: Ctx): R2Bucket {
  return c.var.route.region.bucket;
}

/**
 * The edge cache for downloads from `region` (by default the request's), or undefined when
 * EDGE_CACHE_MAX_BYTES turns it off.
 */
export function edgeCacheOf(c: Ctx, region = c.var.route.region.name): EdgeCache | undefined {
  const { edgeCacheMaxBytes, edgeCacheTtlSeconds } = readConfig(c.env);
  if (edgeCacheMaxBytes <= 0) return undefined;
  return {
    cache: caches.default,
    maxBytes: edgeCacheMaxBytes,
    ttlSeconds: edgeCacheTtlSeconds,
    waitUntil: (promise) => c.executionCtx.waitUntil(promise),
    region,
  };
}

/** The request's origin, from which every `self` link is built. */
export function originOf(c: Ctx): string {
  return new URL(c.req.url).origin;
}

/** A JSON response with a Cumulocity media type. */
export function c8yJson(
  c: Ctx,
  body: unknown,
  mediaType: string,
  status: 200 | 201 = 200,
  headers: Record<string, string> = {},
) {
  return c.body(JSON.stringify(body), status, { ...headers, "Content-Type": mediaType });
}

/**
 * The answer to a POST or PUT, by the Accept rule (docs/api.md#media-types): the written object as JSON
 * when the request has an Accept header (any value), otherwise an empty body with the same status
 * and headers (Location included).
 */
export function c8yWritten(
  c: Ctx,
  body: unknown,
  mediaType: string,
  status: 200 | 201,
  headers: Record<string, string> = {},
) {
  if (!wantsBody(c.req.header("Accept"))) return c.body(null, status, headers);
  return c8yJson(c, body, mediaType, status, headers);
}

/** The request body as a JSON object, at most MAX_JSON_SIZE bytes (413 past it, 400 if not an object). */
export async function readJsonObject(c: Ctx): Promise<Record<string, unknown>> {
  return parseJsonObject(await readTextCapped(c.req.raw.body, readConfig(c.env).maxJsonSize), "The body");
}

/** Like readJsonObject, but an empty body is an empty object (every field optional). */
export async function readOptionalJsonObject(c: Ctx): Promise<Record<string, unknown>> {
  const text = await readTextCapped(c.req.raw.body, readConfig(c.env).maxJsonSize);
  return text.trim() === "" ? {} : parseJsonObject(text, "The body");
}

/** A handler for a path's unsupported methods: 405 in the error shape, with Allow. */
export function rejectOtherMethods(allow: string) {
  return () => {
    throw methodNotAllowed(allow);
  };
}

function errorResponse(c: Context, err: ApiError): Response {
  const requestId: string | undefined = c.get("requestId");
  return c.body(errorBody(err, requestId), err.status, { ...err.headers, "Content-Type": ERROR_MEDIA_TYPE });
}

/**
 * `app.onError`: known errors keep their status; anything else is logged and becomes a bare 500.
 * What is left of the request body is read away first, so that a client still sending it sees the
 * answer rather than a reset connection (docs/api.md#request-handling-common-to-all-endpoints).
 */
export async function handleError(err: Error, c: Context): Promise<Response> {
  await drainBody(c.req.raw.body);
  const known = asApiError(err);
  if (known) return errorResponse(c, known);
  // A write while its tenant moves to another shard (issue 19): refused by the database, retried by the client.
  if (isTenantMoving(err)) return errorResponse(c, tenantMoving(5));
  if (clientWentAway(err)) {
    // A reloaded page or a cancelled upload: nobody waits for this answer, and nothing is wrong here.
    console.log("client went away", c.req.method, new URL(c.req.url).pathname);
    return errorResponse(c, internalError());
  }
  console.error("unhandled error", c.req.method, new URL(c.req.url).pathname, loggableError(err));
  return errorResponse(c, internalError());
}

/**
 * The catalogue's error for what was thrown, if the client caused it: an ApiError as it is, http/'s generic
 * HttpInputError as the inventory 400 or 413. The one place that maps it (docs/architecture.md, "Errors").
 */
export function asApiError(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (err instanceof HttpInputError) return err.status === 413 ? tooLarge(err.message) : invalidRequest(err.message);
  return undefined;
}

/** workerd's error when the client closes the connection while its request body is read. */
export function clientWentAway(err: Error): boolean {
  return /^Network connection lost\.?$/i.test(err.message) || /client (has )?disconnected/i.test(err.message);
}

/** `app.notFound`: unknown routes answer in the same error shape (after reading away the body, as above). */
export async function handleNotFound(c: Context): Promise<Response> {
  await drainBody(c.req.raw.body);
  return errorResponse(c, routeNotFound(c.req.method, new URL(c.req.url).pathname));
}
