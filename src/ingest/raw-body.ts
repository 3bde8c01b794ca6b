import { invalidRequest } from "../errors";
import { servedMediaType } from "../http/media-type";
import { bytesToBase64 } from "../utils/base64";
import { type BeforeStore, type MultipartTracker, type StoredBytes, unknownLengthSink } from "./r2-sinks";
import { readChunks } from "./read-chunks";

/**
 * Streams a raw request body (PUT /inventory/binaries/{id}) to R2 under `key`. With a
 * Content-Length up to `singlePutMaxBytes` the body goes to R2 as it is, in one put that R2
 * checksums; otherwise (chunked, or longer) it takes the multipart path, whose sink tells
 * `beforeStore` the size it holds before its first write. A failure leaves nothing under `key`.
 */
export async function ingestRawBody(
  bucket: R2Bucket,
  key: string,
  body: ReadableStream<Uint8Array> | null,
  contentLength: number | undefined,
  contentType: string,
  limits: { partSize: number; singlePutMaxBytes: number },
  tracker?: MultipartTracker,
  beforeStore?: BeforeStore,
): Promise<StoredBytes> {
  const httpMetadata = { contentType: servedMediaType(contentType) };
  if (!body || contentLength === 0 || (contentLength !== undefined && contentLength <= limits.singlePutMaxBytes)) {
    try {
      const object = await bucket.put(key, body && contentLength !== 0 ? body : new Uint8Array(0), { httpMetadata });
      return { key, size: object.size, md5: bytesToBase64(new Uint8Array(object.checksums.md5!)) };
    } catch (error) {
      await bucket.delete(key).catch(() => undefined);
      throw error;
    }
  }
  const sink = unknownLengthSink(bucket, key, limits.partSize, httpMetadata, tracker, beforeStore);
  try {
    for await (const chunk of readChunks(body)) await sink.write(chunk);
    const stored = await sink.close();
    // A body that ends short of (or past) its Content-Length is not the file the client meant.
    if (contentLength !== undefined && stored.size !== contentLength) {
      throw invalidRequest(`The body has ${stored.size} bytes but its Content-Length says ${contentLength}.`);
    }
    return stored;
  } catch (error) {
    // The sink deletes what it wrote (nothing, when it was refused before its first write).
    await sink.abort().catch(() => undefined);
    throw error;
  }
}
