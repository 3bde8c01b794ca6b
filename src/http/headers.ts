/**
 * http/: protocol-neutral HTTP, no Cumulocity and no upload state: Accept and Content-Length (this file),
 * conditional requests, ranges, media types, Structured Fields, cookies, CORS, Content-Disposition, JSON and
 * capped body reads. It imports nothing of the domain (errors.ts, c8y/): parsers throw HttpInputError
 * (input-error.ts), which routes/context.ts maps to the catalogue's 400/413; builders return strings.
 */
import { HttpInputError } from "./input-error";

/**
 * The Accept rule of POST and PUT (docs/api.md#media-types): with any Accept header, `*\/*` included, the
 * response carries the created or updated object; without one its body is empty. An empty header
 * value counts as none.
 */
export function wantsBody(accept: string | undefined): boolean {
  return accept !== undefined && accept.trim() !== "";
}

/** A Content-Length header as a number; undefined when absent, 400 when malformed. */
export function contentLength(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  if (!/^\d{1,16}$/.test(header.trim())) throw new HttpInputError(400, "Invalid Content-Length.");
  return Number(header);
}
