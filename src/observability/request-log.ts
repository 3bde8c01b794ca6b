/**
 * One request's story (docs/api.md#request-ids-logs-and-metrics): written as one JSON log line
 * (Workers Logs indexes its fields) and one Analytics Engine data point. It holds names chosen by the
 * operator or the tenant's admins (tenant id, user name, route pattern, error code) and numbers,
 * never the URL, a query string, a header value, a file name or a body: passwords, tokens and link
 * signatures travel only in those.
 */
export interface RequestRecord {
  id: string;
  method: string;
  /** The route pattern that answered (`/inventory/binaries/:id`), not the path. */
  route: string;
  status: number;
  tenant: string | null;
  user: string | null;
  /** Request body bytes: Content-Length, or null when the body came chunked. */
  bytesIn: number | null;
  /** Response body bytes: Content-Length, or as counted while the body streamed out. */
  bytesOut: number | null;
  durationMs: number;
  d1Statements: number;
  d1RoundTrips: number;
  r2Operations: number;
  /** The edge cache's answer for downloads (`hit`, `miss`), null elsewhere. */
  cache: string | null;
  /** The `area/Reason` of an error answer, null for success. */
  error: string | null;
  /** Cloudflare's ray id, to find the request in Cloudflare's own logs. */
  ray: string | null;
  /** Why a request was refused by a rate limit (`tenant`, `login`, `link`), null otherwise. */
  limited: string | null;
}

/** The log line: one JSON object, its first key saying what it is. */
export function logLine(record: RequestRecord): string {
  return JSON.stringify({ msg: "request", ...record });
}

/** The Analytics Engine data point of a request (docs/scaling.md "What to watch" queries these positions). */
export function dataPoint(record: RequestRecord): AnalyticsEngineDataPoint {
  return {
    indexes: [record.tenant ?? ""],
    blobs: [
      record.tenant ?? "",
      record.user ?? "",
      record.method,
      record.route,
      String(record.status),
      record.error ?? "",
      record.cache ?? "",
      record.id,
      record.limited ?? "",
    ],
    doubles: [
      record.durationMs,
      record.bytesIn ?? 0,
      record.bytesOut ?? 0,
      record.d1Statements,
      record.d1RoundTrips,
      record.r2Operations,
    ],
  };
}
