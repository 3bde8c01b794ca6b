const CHUNK = 1024 * 1024;
const MIN_FILL = 256 * 1024;

/**
 * Reads a body in large chunks: with a byte stream (a request body) each read fills a fresh
 * 1 MiB buffer with at least 256 KiB, instead of the ~4 KiB the default reader hands over,
 * which keeps the per-chunk cost of parsing, hashing and writing to R2 from dominating (about
 * 2x the upload throughput locally, see docs/benchmarks.md). Buffers are fresh because
 * consumers keep views of them. Other streams are read as they come. Stopping early only
 * releases the body: the error handler reads the rest away before answering, so that a client
 * still sending sees the answer instead of a reset connection (http/drain,
 * docs/api.md#request-handling-common-to-all-endpoints).
 */
export async function* readChunks(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch {
    byob = undefined; // not a byte stream
  }
  const reader = byob ?? body.getReader();
  try {
    for (;;) {
      const { done, value } = byob
        ? await byob.readAtLeast(MIN_FILL, new Uint8Array(CHUNK))
        : await (reader as ReadableStreamDefaultReader<Uint8Array>).read();
      if (value && value.length > 0) yield value;
      if (done) break;
    }
  } finally {
    reader.releaseLock();
  }
}
