import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export const ERROR_MEDIA_TYPE = "application/vnd.com.nsn.cumulocity.error+json;charset=UTF-8";
const INFO_URL = "https://cumulocity.com/guides/reference/rest-implementation/#error_reporting";

/** The one error type of the service: an HTTP status plus the Cumulocity `area/Reason` pair. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly error: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** 404 in the inventory area: unknown, non-numeric and other tenants' ids alike. */
export const notFound = (what: string) => new ApiError(404, "inventory/Not Found", `${what} not found.`);

/** 400 for malformed requests in the inventory area. */
export const invalidRequest = (message: string) => new ApiError(400, "inventory/Invalid Request", message);

/** 422 for well-formed but unacceptable values (paging parameters). */
export const unprocessable = (message: string) => new ApiError(422, "inventory/Unprocessable Entity", message);

/** Writes the SPEC §8 error body. */
export function errorResponse(c: Context, err: ApiError): Response {
  const body = JSON.stringify({ error: err.error, message: err.message, info: INFO_URL });
  return c.body(body, err.status, { ...err.headers, "Content-Type": ERROR_MEDIA_TYPE });
}

/** `app.onError`: known errors keep their status; anything else is logged and becomes a bare 500. */
export function handleError(err: Error, c: Context): Response {
  if (err instanceof ApiError) return errorResponse(c, err);
  console.error("unhandled error", c.req.method, new URL(c.req.url).pathname, err);
  return errorResponse(c, new ApiError(500, "general/Internal Error", "An internal error occurred."));
}

/** `app.notFound`: unknown routes answer in the same error shape. */
export function handleNotFound(c: Context): Response {
  return errorResponse(c, new ApiError(404, "general/Not Found", `No resource at ${c.req.method} ${new URL(c.req.url).pathname}.`));
}
