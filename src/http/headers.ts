import { invalidRequest } from "../errors";

/** Whether the Accept header asks for JSON (then POST and PUT return the managed object). */
export function acceptsJson(accept: string | undefined): boolean {
  return accept !== undefined && /json/i.test(accept);
}

/** A Content-Length header as a number; undefined when absent, 400 when malformed. */
export function contentLength(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  if (!/^\d{1,16}$/.test(header.trim())) throw invalidRequest("Invalid Content-Length.");
  return Number(header);
}
