import { invalidRequest } from "../errors";
import { servedMediaType } from "../http/media-type";
import { bytesToBase64 } from "../utils/base64";
import { type MultipartTracker, type StoredBytes, unknownLengthSink } from "./r2-sinks";
import { readChunks } from "./read-chunks";

/**
 * Streams a raw request body (PUT /inventory/binaries/{id}) to R2 under `key`. With a
 * Content-Length up to `singlePutMaxBytes` the body goes to R2 as it is, in one put that R2
 * checksums; otherwise (chunked, or longer) it takes the multipart path. A failure leaves
 * nothing under `key`.
 */
export async function ingestRawBody(
  bucket: R2Bucket,
  key: string,
  body: ReadableStream<Uint8Array> | null,
  contentLength: number | undefined,
  contentType: string,
  limits: { partSize: number; singlePutMaxBytes: number },
  tracker?: MultipartTracker,
): Promise<StoredBytes> {
  const httpMetadata = { contentType: servedMediaType(contentType) };
  try {
    if (!body || contentLength === 0) {
      const object = await bucket.put(key, new Uint8Array(0), { httpMetadata });
      return { key, size: 0, md5: bytesToBase64(new Uint8Array(object.checksums.md5!)) };
    }
    if (contentLength !== undefined && contentLength <= limits.singlePutMaxBytes) {
      const object = await bucket.put(key, body, { httpMetadata });
      return { key, size: object.size, md5: bytesToBase64(new Uint8Array(object.checksums.md5!)) };
    }
    const sink = unknownLengthSink(bucket, key, limits.partSize, httpMetadata, tracker);
    try {
      for await (const chunk of readChunks(body)) await sink.write(chunk);
      const stored = await sink.close();
      // A body that ends short of (or past) its Content-Length is not the file the client meant.
      if (contentLength !== undefined && stored.size !== contentLength) {
        throw invalidRequest(`The body has ${stored.size} bytes but its Content-Length says ${contentLength}.`);
      }
      return stored;
    } catch (error) {
      await sink.abort();
      throw error;
    }
  } catch (error) {
    await bucket.delete(key).catch(() => undefined);
    throw error;
  }
}
