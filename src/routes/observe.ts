import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import { readConfig } from "../config";
import type { AppEnv } from "../env";
import { newMeter, withMeter } from "../observability/meter";
import { REQUEST_ID_HEADER, requestIdFor } from "../observability/request-id";
import { dataPoint, logLine, type RequestRecord } from "../observability/request-log";
import { asApiError } from "./context";

type Ctx = Context<AppEnv>;

/** Content-Length as a number, or null when absent or not one. */
function lengthOf(headers: Headers): number | null {
  const value = headers.get("Content-Length");
  if (value === null || !/^\d+$/.test(value)) return null;
  return Number(value);
}

/** The pattern of the route that matched last (`/inventory/binaries/:id`); `(none)` when only middleware did. */
function routeOf(c: Ctx): string {
  const path = routePath(c, -1);
  return path === "" || path === "*" || path === "/*" ? "(none)" : path;
}

/** The error code of an answer: the catalogue's for what was thrown, a 500 for anything else, null for success. */
function errorCodeOf(c: Ctx): string | null {
  const known = asApiError(c.error);
  if (known) return known.error;
  if (c.error) return "general/Internal Error";
  return null;
}

/** Sets a header on the response, copying it first when its headers are immutable (a cached response). */
function setResponseHeader(c: Ctx, name: string, value: string): void {
  try {
    c.res.headers.set(name, value);
  } catch {
    c.res = new Response(c.res.body, c.res);
    c.res.headers.set(name, value);
  }
}

/**
 * First in the chain: gives the request its id (c.var.requestId, X-Request-Id on the answer), counts
 * its D1 and R2 round trips, and when the answer has gone out writes its log line and metric
 * (docs/api.md#request-ids-logs-and-metrics). A body of unknown length is counted as it streams, so
 * those two are written when it ends.
 */
export const observe = createMiddleware<AppEnv>(async function observe(c, next) {
  const started = Date.now();
  const config = readConfig(c.env);
  const id = requestIdFor(
    c.req.header(REQUEST_ID_HEADER),
    c.req.header("CF-Connecting-IP"),
    config.requestIdTrustedProxies,
  );
  c.set("requestId", id);
  const meter = newMeter();
  await withMeter(meter, next);
  setResponseHeader(c, REQUEST_ID_HEADER, id);

  const finish = (bytesOut: number | null) => {
    const principal = c.var.principal;
    const record: RequestRecord = {
      id,
      method: c.req.method,
      route: routeOf(c),
      status: c.res.status,
      tenant: principal?.tenant ?? c.var.requestTenant ?? null,
      user: principal?.userName ?? null,
      bytesIn: lengthOf(c.req.raw.headers),
      bytesOut,
      durationMs: Date.now() - started,
      ...meter,
      cache: c.res.headers.get("X-Edge-Cache"),
      error: errorCodeOf(c),
      ray: c.req.header("CF-Ray") ?? null,
      limited: c.var.limitedBy ?? null,
    };
    console.log(logLine(record));
    // Optional binding: a deployment without Analytics Engine still logs.
    const metrics: AnalyticsEngineDataset | undefined = c.env.METRICS;
    metrics?.writeDataPoint(dataPoint(record));
  };

  const body = c.res.body;
  const length = lengthOf(c.res.headers);
  if (body === null || length !== null || c.req.method === "HEAD") {
    finish(body === null || c.req.method === "HEAD" ? 0 : length);
    return;
  }
  let counted = 0;
  // Written when the body has gone out (or the client stopped reading): the response is still being
  // sent then, so no waitUntil is needed (one would hold the isolate for a body nobody reads).
  let finished = false;
  const end = () => {
    if (finished) return;
    finished = true;
    finish(counted);
  };
  const reader = body.getReader();
  const counting = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const chunk = await reader.read();
        if (chunk.done) {
          controller.close();
          return end();
        }
        counted += chunk.value.byteLength;
        controller.enqueue(chunk.value);
      } catch (err) {
        controller.error(err);
        end();
      }
    },
    // A client that goes away mid-body: its line is still written, with the bytes it got.
    cancel(reason) {
      end();
      return reader.cancel(reason);
    },
  });
  c.res = new Response(counting, c.res);
});
