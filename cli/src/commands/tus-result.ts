import type { DetailedError, HttpResponse } from "tus-js-client";
import { errorOf } from "../../../client/errors";
import { connectionProblem } from "../failure";

/**
 * The id of the binary a completed tus upload created or replaced, from the last response
 * (docs/api.md#resumable-uploads: the binary's URL in the `Location`-style header).
 */
export function binaryIdOfTusResponse(response: HttpResponse): string | undefined {
  for (const header of ["X-Binary-Location", "Content-Location", "Location"]) {
    const value = response.getHeader(header);
    const match = value?.match(/\/inventory\/(?:binaries|managedObjects)\/(\d+)(?:[/?#]|$)/);
    if (match?.[1]) return match[1];
  }
  const id = response.getHeader("X-Binary-Id");
  return id && /^\d+$/.test(id) ? id : undefined;
}

/** The hint for a transfer that the same command continues. */
export const RESUME_HINT = "run the same command again to resume.";

/**
 * A tus error as the API's own message when the response carried the error body; without an
 * answer, what went wrong with the connection, and that the same command resumes the upload.
 */
export async function tusFailure(error: Error, server: string): Promise<Error> {
  const response = (error as DetailedError).originalResponse;
  const status = response?.getStatus() ?? 0;
  if (!response || status < 200 || status > 599) {
    const why = connectionProblem(error, server) ?? `The upload failed: ${error.message.split("\n")[0]}.`;
    return new Error(`${why} The bytes already sent are kept: ${RESUME_HINT}`);
  }
  return await errorOf(new Response(response.getBody() || null, { status }), "Uploading");
}
