import type { DetailedError, HttpResponse } from "tus-js-client";
import { errorOf } from "../../../client/errors";

/**
 * The id of the binary a completed tus upload created or replaced, from the last response
 * (docs/api.md, resumable uploads: the binary's URL in the `Location`-style header).
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

/** A tus error as the API's own message when the response carried the error body. */
export async function tusFailure(error: Error): Promise<Error> {
  const response = (error as DetailedError).originalResponse;
  const status = response?.getStatus() ?? 0;
  if (!response || status < 200 || status > 599) return new Error(`The upload failed: ${error.message.split("\n")[0]}`);
  return await errorOf(new Response(response.getBody() || null, { status }), "Uploading");
}
