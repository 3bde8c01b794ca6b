import { concat } from "../../bytes";

/**
 * The request shapes of the Cumulocity Python SDK (c8y_api 2.x, model/binaries.py and _base_api.py), for the
 * workerd replays here and the end-to-end replay under `npm start` (test/e2e/shards.e2e.test.ts): no Node or
 * workerd API, so both can import it.
 *
 * `Binary(type=…).create()` and `Binaries.upload(file, name, type)` both call `post_file(…,
 * content_type=contentType or type)`, which builds `files = {'object': (None, json), 'file': (None, f,
 * content_type or 'application/octet-stream')}`: urllib3 multipart, `object` first without a Content-Type,
 * `file` without a filename and with the managed object's type as its Content-Type. `Binary.update()` PUTs
 * with that same Content-Type. The `requests` session sends `Accept: application/json`.
 */

const enc = new TextEncoder();
export const OCTET = "application/octet-stream";

/** urllib3's encode_multipart_formdata as requests drives it for post_file: 32 hex boundary, CRLF framing. */
export function requestsFiles(object: unknown, file: Uint8Array, contentType: string) {
  const boundary = "0c9f6a4be1d2437a8e5b6c7d8e9f0a1b";
  const body = concat([
    enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="object"\r\n\r\n${JSON.stringify(object)}\r\n`),
    enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="file"\r\nContent-Type: ${contentType}\r\n\r\n`),
    file,
    enc.encode(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The headers of the SDK's `requests` session, with the caller's Authorization and extras. */
export function pythonSession(authorization: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    Authorization: authorization,
    Accept: "application/json",
    "User-Agent": "python-requests/2.32.3",
    "Accept-Encoding": "gzip, deflate",
    ...extra,
  };
}
