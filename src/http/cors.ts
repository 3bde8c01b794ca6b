/**
 * What a browser on another origin may do with the API (docs/api.md#cors). The lists are shared
 * by every route, including the resumable uploads and signed links, so they live in one place.
 */

/** Request headers a cross-origin script may send. */
export const CORS_ALLOW_HEADERS = [
  "Authorization",
  "UseXBasic",
  "Content-Type",
  "Accept",
  "X-XSRF-TOKEN",
  "X-Requested-With",
  "X-Cumulocity-Application-Key",
  "X-Cumulocity-Processing-Mode",
  "If-Match",
  "If-None-Match",
  "If-Modified-Since",
  "If-Unmodified-Since",
  "If-Range",
  "Range",
  // tus 1.0 and the IETF resumable-upload draft
  "Tus-Resumable",
  "Upload-Offset",
  "Upload-Length",
  "Upload-Metadata",
  "Upload-Checksum",
  "Upload-Defer-Length",
  "Upload-Concat",
  "Upload-Complete",
  "Upload-Draft-Interop-Version",
  "Upload-Limit",
  "Upload-Expires",
  "Want-Repr-Digest",
  "Repr-Digest",
  // D1 session bookmark a client hands back (read-your-writes)
  "X-D1-Bookmark",
] as const;

/** Response headers a cross-origin script may read (beyond the CORS-safelisted ones). */
export const CORS_EXPOSE_HEADERS = [
  "Location",
  "Content-Disposition",
  "ETag",
  "Content-Range",
  "Content-Length",
  "Accept-Ranges",
  "Last-Modified",
  "Retry-After",
  "WWW-Authenticate",
  "X-Edge-Cache",
  "X-Request-Id",
  "Tus-Resumable",
  "Tus-Version",
  "Tus-Extension",
  "Tus-Max-Size",
  "Tus-Checksum-Algorithm",
  "Upload-Offset",
  "Upload-Length",
  "Upload-Metadata",
  "Upload-Expires",
  "Upload-Complete",
  "Upload-Limit",
  "Upload-Draft-Interop-Version",
  "Upload-Defer-Length",
  "Upload-Concat",
  "Repr-Digest",
  "X-D1-Bookmark",
] as const;

export const CORS_ALLOW_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

/** How long a browser may reuse a preflight answer (Chromium caps it at 2 hours). */
export const CORS_MAX_AGE_SECONDS = 7200;

/**
 * The allowed-origins setting: `*` (any origin), or a comma-separated list of origins where a
 * `*` in the host stands for one or more DNS labels (`https://*.example.com`), as Cumulocity's
 * `access.control/allow.origin` option. An entry without a scheme matches http and https.
 * Returns `"*"`, or a function giving the origin to echo (or undefined when not allowed).
 */
export function originMatcher(setting: string): "*" | ((origin: string) => string | undefined) {
  const entries = setting
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0 || entries.includes("*")) return "*";
  const patterns = entries.map(originPattern);
  return (origin) => {
    const normalized = origin.toLowerCase();
    return patterns.some((pattern) => pattern.test(normalized)) ? origin : undefined;
  };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** One allowed-origins entry as a regular expression over a lower-cased Origin header. */
function originPattern(entry: string): RegExp {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)?(.*)$/i.exec(entry.replace(/\/+$/, ""));
  const scheme = match?.[1] ? escapeRegExp(match[1].toLowerCase()) : "https?://";
  const host = (match?.[2] ?? "").toLowerCase().split("*").map(escapeRegExp).join("[a-z0-9-]+(?:\\.[a-z0-9-]+)*");
  return new RegExp(`^${scheme}${host}$`);
}
