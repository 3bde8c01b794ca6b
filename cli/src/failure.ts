/**
 * Failures in words a user can act on: which server could not be reached and why (refused, no
 * such host, timeout, TLS), what the API said (401, 403, 404, 412), and whether running the same
 * command again resumes the transfer.
 */
import { ApiRequestError, describeError } from "../../client/errors";

const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: "connection refused: nothing listens there",
  ENOTFOUND: "no such host",
  EAI_AGAIN: "the host name could not be resolved",
  ECONNRESET: "the connection was reset",
  EPIPE: "the connection was closed",
  ETIMEDOUT: "no answer in time",
  EHOSTUNREACH: "the host is unreachable",
  ENETUNREACH: "the network is unreachable",
  UND_ERR_CONNECT_TIMEOUT: "no answer in time",
  UND_ERR_SOCKET: "the connection was closed",
  UND_ERR_CLOSED: "the connection was closed",
};

/** The innermost error with a `code` (Node puts the system error in `cause`, tus in `causingError`). */
function codedCause(error: unknown): { code: string; message: string } | undefined {
  for (let e = error, depth = 0; e && typeof e === "object" && depth < 6; depth++) {
    const { code, message, cause, causingError } = e as {
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      causingError?: unknown;
    };
    if (typeof code === "string" && code !== "ERR_INVALID_ARG_TYPE") {
      return { code, message: typeof message === "string" ? message : code };
    }
    e = cause ?? causingError;
  }
  return undefined;
}

function isTls(code: string): boolean {
  return /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code);
}

/**
 * Why the server could not be talked to, or undefined when the error is not about the connection.
 * `server` is the service URL the user configured.
 */
export function connectionProblem(error: unknown, server: string): string | undefined {
  const cause = codedCause(error);
  if (!cause) return undefined;
  if (isTls(cause.code)) {
    return (
      `TLS failed with ${server}: ${cause.message} (${cause.code}). The server's certificate is not trusted ` +
      "here; for a private CA set NODE_EXTRA_CA_CERTS, or check C8Y_BASEURL."
    );
  }
  const reason = UNREACHABLE[cause.code];
  if (!reason) return undefined;
  return `Cannot reach the server at ${server} (${reason}, ${cause.code}). Is it running, and is C8Y_BASEURL right?`;
}

/** The sentence printed for a failed command. */
export function describeFailure(error: unknown, server: string): string {
  const connection = connectionProblem(error, server);
  if (connection) return connection;
  if (error instanceof ApiRequestError) {
    switch (error.status) {
      case 401:
        return (
          "Not logged in (HTTP 401): the tenant, user or password is wrong (C8Y_TENANT, C8Y_USER, C8Y_PASSWORD), " +
          "or the token has expired or was revoked (C8Y_TOKEN, or run c8y-binaries login again)."
        );
      case 403:
        return `Not allowed (HTTP 403): ${error.message} Your user lacks the role for this, or the account is disabled.`;
      case 404:
        return `Not found (HTTP 404): ${error.message}`;
      case 412:
        return (
          `The binary changed since the ETag given with --if-match (HTTP 412): ${error.message} ` +
          "Nothing was replaced or deleted; `c8y-binaries get ID` shows its current state."
        );
    }
  }
  return describeError(error);
}
