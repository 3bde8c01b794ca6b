/**
 * A file's media type from its name, as browsers set File.type: the `mime` package (the npm
 * ecosystem's standard table, built from the IANA registry and mime-db, the same data behind
 * Express and most servers), so the CLI and the files page store the same type for the same file.
 */
import mime from "mime";

export const FALLBACK_MEDIA_TYPE = "application/octet-stream";

export function mediaTypeOf(fileName: string): string {
  return mime.getType(fileName) ?? FALLBACK_MEDIA_TYPE;
}
