/** The validators of a binary's current bytes. */
export interface Validators {
  /** Strong entity tag, quoted. */
  etag: string;
  /** Milliseconds since the epoch of the last change of the bytes or metadata. */
  lastModified: number;
}

function tagsOf(header: string): string[] {
  return header
    .split(",")
    .map((tag) => tag.trim())
    .filter(Boolean);
}

/** Weak comparison (RFC 9110 section 8.8.3.2): W/ prefixes are ignored. */
function weakMatch(header: string, etag: string): boolean {
  return tagsOf(header).some((tag) => tag === "*" || tag.replace(/^W\//, "") === etag);
}

/** Strong comparison: a weak tag never matches. */
function strongMatch(header: string, etag: string): boolean {
  return tagsOf(header).some((tag) => tag === "*" || tag === etag);
}

function parseDate(header: string | undefined): number | undefined {
  if (!header) return undefined;
  const time = Date.parse(header);
  return Number.isNaN(time) ? undefined : time;
}

/** HTTP dates have whole seconds; compare at that precision. */
const seconds = (ms: number) => Math.floor(ms / 1000);

/**
 * GET/HEAD preconditions (RFC 9110 section 13.2.2): true when the client's copy is current and the
 * answer is 304. If-None-Match wins over If-Modified-Since.
 */
export function notModified(headers: Headers, current: Validators): boolean {
  const ifNoneMatch = headers.get("If-None-Match");
  if (ifNoneMatch !== null) return weakMatch(ifNoneMatch, current.etag);
  const since = parseDate(headers.get("If-Modified-Since") ?? undefined);
  return since !== undefined && seconds(current.lastModified) <= seconds(since);
}

/** If-Range: the range applies only while the client's validator still names these bytes. */
export function rangeStillValid(headers: Headers, current: Validators): boolean {
  const ifRange = headers.get("If-Range");
  if (ifRange === null) return true;
  if (ifRange.trim().startsWith('"') || ifRange.trim().startsWith("W/")) return ifRange.trim() === current.etag;
  const date = parseDate(ifRange);
  return date !== undefined && seconds(date) === seconds(current.lastModified);
}

/** Whether a PUT or DELETE carries a precondition at all. */
export function hasWritePreconditions(headers: Headers): boolean {
  return headers.has("If-Match") || headers.has("If-Unmodified-Since");
}

/** An If-Match header value against the current validators (strong comparison). */
export function ifMatchHolds(ifMatch: string, current: Validators): boolean {
  return strongMatch(ifMatch, current.etag);
}

/** PUT/DELETE preconditions: false (→ 412) when If-Match or If-Unmodified-Since fail. */
export function writePreconditionsHold(headers: Headers, current: Validators): boolean {
  const ifMatch = headers.get("If-Match");
  if (ifMatch !== null) return ifMatchHolds(ifMatch, current);
  const since = parseDate(headers.get("If-Unmodified-Since") ?? undefined);
  return since === undefined || seconds(current.lastModified) <= seconds(since);
}
