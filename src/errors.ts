import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * The one error catalogue of the service (docs/api.md#errors). Every failure a client can see is built
 * here, so statuses, `area/Reason` pairs and messages stay consistent; nothing else constructs an
 * ApiError.
 */

export const ERROR_MEDIA_TYPE = "application/vnd.com.nsn.cumulocity.error+json;charset=UTF-8";
const INFO_URL = "https://cumulocity.com/guides/reference/rest-implementation/#error_reporting";

/** The one error type of the service: an HTTP status plus the Cumulocity `area/Reason` pair. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly error: string,
    message: string,
    readonly headers: Record<string, string> = {},
    /** Facts a client may act on, merged into the body's `details` (next to the request id). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/**
 * The error body of docs/api.md#errors, with the request's id in `details`
 * (docs/api.md#request-ids-logs-and-metrics), which the platform's clients keep as an opaque object.
 */
export function errorBody(err: ApiError, requestId?: string): string {
  const details = { ...err.details, ...(requestId === undefined ? {} : { requestId }) };
  const withDetails = Object.keys(details).length === 0 ? {} : { details };
  return JSON.stringify({ error: err.error, message: err.message, info: INFO_URL, ...withDetails });
}

// --- 400 ---
/** Malformed requests in the inventory area. */
export const invalidRequest = (message: string) => new ApiError(400, "inventory/Invalid Request", message);

// --- 401, 403 ---
export const unauthorized = (scheme: "Basic" | "XBasic") =>
  new ApiError(401, "security/Unauthorized", "Invalid credentials! : Bad credentials", {
    "WWW-Authenticate": `${scheme} realm="Cumulocity"`,
  });
/** A disabled user with the right password (docs/api.md#authentication-and-login-throttle). */
export const userDisabled = (scheme: "Basic" | "XBasic") =>
  new ApiError(401, "security/Unauthorized", "User account is disabled", {
    "WWW-Authenticate": `${scheme} realm="Cumulocity"`,
  });
/** A bearer token or authorization cookie that is forged, expired, of another key, or of an ended session. */
export const invalidToken = () =>
  new ApiError(401, "security/Unauthorized", "Invalid credentials! : The token is invalid, expired or revoked", {
    "WWW-Authenticate": 'Bearer realm="Cumulocity"',
  });
/** A request with the authorization cookie but without the matching X-XSRF-TOKEN header. */
export const xsrfMismatch = () =>
  new ApiError(
    401,
    "security/Unauthorized",
    "Invalid credentials! : The authorization cookie needs the X-XSRF-TOKEN header of its login",
    { "WWW-Authenticate": 'Bearer realm="Cumulocity"' },
  );
/** A token login form that is not one (docs/api.md#token-login). */
export const invalidLoginRequest = (message: string) => new ApiError(400, "security/Invalid Request", message);
export const forbidden = (message = "Access is denied") => new ApiError(403, "security/Forbidden", message);

// --- 404 ---
/** Unknown, non-numeric and other tenants' ids alike. */
export const notFound = (what: string) => new ApiError(404, "inventory/Not Found", `${what} not found.`);
export const userNotFound = (message: string) => new ApiError(404, "user/Not Found", message);
export const tenantNotFound = (id: string) => new ApiError(404, "tenant/Not Found", `Tenant '${id}' not found.`);
export const routeNotFound = (method: string, path: string) =>
  new ApiError(404, "general/Not Found", `No resource at ${method} ${path}.`);

// --- 405, 409, 412, 413, 415, 416 ---
export const methodNotAllowed = (allow: string) =>
  new ApiError(405, "general/Method Not Allowed", `Allowed methods: ${allow}.`, { Allow: allow });
export const userConflict = (userName: string) =>
  new ApiError(409, "user/Conflict", `User '${userName}' already exists.`);
export const tenantConflict = (id: string) => new ApiError(409, "tenant/Conflict", `Tenant '${id}' already exists.`);
/** A PUT or DELETE whose If-Match / If-Unmodified-Since no longer holds. */
export const preconditionFailed = () =>
  new ApiError(412, "inventory/Precondition Failed", "The binary changed since the validator you sent.");
export const tooLarge = (message: string) => new ApiError(413, "inventory/Payload Too Large", message);
export const fragmentsTooLarge = (maxBytes: number) => tooLarge(`The merged fragments would exceed ${maxBytes} bytes.`);
export const unsupportedMediaType = (message: string) => new ApiError(415, "inventory/Unsupported Media Type", message);
export const rangeNotSatisfiable = (size: number) =>
  new ApiError(416, "inventory/Range Not Satisfiable", `The binary has ${size} bytes.`, {
    "Content-Range": `bytes */${size}`,
  });

/** An upload whose bytes were removed as orphans because it stalled past ORPHAN_MIN_AGE_SECONDS. */
export const resumableExpired = () =>
  new ApiError(408, "inventory/Request Timeout", "The upload took too long and its bytes were removed; send it again.");
/** An upload whose tenant was deleted (or deleted and created anew) while its bytes arrived. */
export const tenantGone = () => new ApiError(404, "inventory/Not Found", "The tenant of this upload no longer exists.");
/** A tenant id that cannot be handed out yet: something of a deleted tenant with that id remains. */
export const tenantIdBusy = (id: string, why: string) =>
  new ApiError(409, "tenant/Conflict", `Tenant id '${id}' cannot be used yet: ${why}.`);

// --- 422, 429 ---
/** Well-formed but unacceptable values (paging parameters, filters). */
export const unprocessable = (message: string) => new ApiError(422, "inventory/Unprocessable Entity", message);
/** Unacceptable user or tenant fields. */
export const invalidUserInput = (message: string) => new ApiError(422, "user/Unprocessable Entity", message);
export const tooManyLogins = (waitSeconds: number) =>
  new ApiError(429, "security/Too Many Requests", `Too many failed logins; try again in ${waitSeconds} s.`, {
    "Retry-After": String(waitSeconds),
  });

/**
 * A write that would take the tenant past its storage quota (docs/api.md#usage-and-quotas): 413, which
 * clients treat as final (tus-js-client does not retry it), with the quota and usage in `details`.
 */
export const storageQuotaExceeded = (quota: number, used: number, requested: number) =>
  new ApiError(
    413,
    "inventory/Storage Quota Exceeded",
    `The tenant's storage quota is ${quota} bytes and ${used} bytes are in use (files and their metadata, ` +
      `or reserved by unfinished uploads); this needs ${requested} more.`,
    {},
    { storageQuota: quota, storageUsed: used, requested },
  );

/** A request over a rate limit (docs/api.md#rate-limits); `who` says whose share is used up. */
export const rateLimited = (who: string, retryAfterSeconds: number) =>
  new ApiError(
    429,
    "general/Too Many Requests",
    `${who} made more requests than the rate limit allows; retry in ${retryAfterSeconds} s.`,
    { "Retry-After": String(retryAfterSeconds) },
  );

/** A signed download link that fails its check (bad signature, unknown key, expired). */
export const invalidLink = (message: string) => new ApiError(403, "security/Forbidden", message);

/** A user's open resumable uploads are at the cap (docs/api.md#resumable-uploads): complete or delete one first. */
export const tooManyOpenResumables = (max: number) =>
  new ApiError(
    429,
    "inventory/Too Many Requests",
    `You have ${max} open uploads, the most allowed; complete or delete one (DELETE its URL) first.`,
  );

// --- resumable uploads (docs/api.md#resumable-uploads) ---
/** tus requests must name the protocol version we speak. */
export const tusVersionMismatch = () =>
  new ApiError(412, "inventory/Precondition Failed", "Tus-Resumable must be 1.0.0.", { "Tus-Version": "1.0.0" });
/** An append's Upload-Offset differs from what the upload has received (nothing was changed). */
export const offsetMismatch = (offset: number) =>
  new ApiError(409, "inventory/Conflict", `The upload has received ${offset} bytes; append from there.`, {
    "Upload-Offset": String(offset),
    // The draft: a 409 for an offset mismatch says the upload is not complete.
    "Upload-Complete": "?0",
  });
export const resumableConflict = (message: string) => new ApiError(409, "inventory/Conflict", message);
export const resumableGone = () => new ApiError(410, "inventory/Gone", "The upload has expired.");
/** Another request holds the upload's lease; clients retry after a moment (tus-js-client does on 423). */
export const resumableLocked = () =>
  new ApiError(423, "inventory/Locked", "Another request is appending to this upload; retry shortly.", {
    "Retry-After": "5",
  });
/** tus checksum extension: the chunk did not match Upload-Checksum and was not stored. */
export const checksumMismatch = () =>
  new ApiError(
    460 as ContentfulStatusCode,
    "inventory/Checksum Mismatch",
    "The data does not match Upload-Checksum; nothing was stored.",
  );

// --- 500, 503 ---
export const internalError = () => new ApiError(500, "general/Internal Error", "An internal error occurred.");
export const tokensNotConfigured = () =>
  new ApiError(503, "general/Service Unavailable", "Token login is not configured (TOKEN_SIGNING_KEYS).");
export const linksNotConfigured = () =>
  new ApiError(503, "general/Service Unavailable", "Signed links are not configured (LINK_SIGNING_KEYS).");

// --- shards (issue 19) ---
/** A `"region"` the deployment does not have. */
export const unknownRegion = (region: string, known: readonly string[]) =>
  new ApiError(
    422,
    "tenant/Unprocessable Entity",
    `Unknown region '${region}'; this deployment has ${known.join(", ")}.`,
  );
/** A write while the tenant's rows are being moved to another shard: retry shortly. */
export const tenantMoving = (seconds: number) =>
  new ApiError(503, "tenant/Service Unavailable", "The tenant is being moved; retry shortly.", {
    "Retry-After": String(seconds),
  });
/** A second move of a tenant that is being moved. */
export const tenantMoveConflict = (id: string) =>
  new ApiError(409, "tenant/Conflict", `Tenant '${id}' is being moved already.`);

/** A delete of a tenant whose move has not completed or been rolled back. */
export const tenantBeingMoved = (id: string) =>
  new ApiError(
    409,
    "tenant/Conflict",
    `Tenant '${id}' is being moved; delete it once the move completed or was rolled back.`,
  );

/** A resume or rollback of a move attempt that is not stopped (running, complete) or was followed already. */
export const moveNotStopped = (instance: string, state: string) =>
  new ApiError(
    409,
    "tenant/Conflict",
    `Move ${instance} is ${state}; only an errored or terminated move can be resumed or rolled back.`,
  );

/** Whether a D1 error is the write guard of a tenant being moved (migrations/0010_issue19_moves.sql). */
export function isTenantMoving(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (/TENANT_MOVING/.test(String((e as { message?: unknown }).message ?? e))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
