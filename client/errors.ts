/** An answer of the API that was not a success, with the Cumulocity error body when it had one. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    /** `area/Reason` from the error body, e.g. "inventory/Not Found"; "" when the body had none. */
    readonly code: string,
    message: string,
    /** Seconds from Retry-After (429), when sent. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = "ApiRequestError";
  }
}

/** Builds the error from a failed response: the body's `message` when it is the error JSON. */
export async function errorOf(response: Response, what: string): Promise<ApiRequestError> {
  let code = "";
  let message = "";
  try {
    const body = (await response.json()) as { error?: unknown; message?: unknown };
    if (typeof body.error === "string") code = body.error;
    if (typeof body.message === "string") message = body.message;
  } catch {
    // not JSON (a proxy's page, an empty body): the status says enough
  }
  const retry = Number(response.headers.get("Retry-After"));
  return new ApiRequestError(
    response.status,
    code,
    message || `${what} failed with HTTP ${response.status}.`,
    Number.isFinite(retry) && retry > 0 ? retry : undefined,
  );
}

/** A sentence for people: what failed and, for the statuses users hit, what to do about it. */
export function describeError(error: unknown): string {
  if (error instanceof ApiRequestError) {
    switch (error.status) {
      case 401:
        // The platform answers a disabled account with 401 too, but says so: pass that on.
        if (/disabled/i.test(error.message)) return "This account is disabled; ask an administrator to enable it.";
        return "Not logged in, or the tenant, user or password is wrong.";
      case 403:
        return `Not allowed: ${error.message}`;
      case 404:
        return `Not found: ${error.message}`;
      case 412:
        return "Somebody changed this file meanwhile, so it was not replaced; the list shows its current version.";
      case 413:
        return `Too large: ${error.message}`;
      case 429:
        return `Too many failed logins; try again${error.retryAfter ? ` in ${error.retryAfter} s` : " later"}.`;
      default:
        return error.status >= 500 ? `The server failed (HTTP ${error.status}): ${error.message}` : error.message;
    }
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
