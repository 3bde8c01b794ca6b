import { boundaryOf, MultipartError, MultipartParser, type MultipartEvent } from "./multipart-parser";

export { MultipartError, type MultipartEvent } from "./multipart-parser";

export interface MultipartOptions {
  /** Which parts are streamed as files; all others are collected as fields. */
  isFile: (name: string) => boolean;
  /** Largest field, in bytes. */
  maxFieldSize: number;
  maxParts?: number;
}

/**
 * Parses a multipart/form-data body as it arrives, with backpressure: the next chunk is read
 * from `body` only after the consumer has handled every event of the previous one, so memory
 * holds one network chunk plus whatever the consumer keeps. Throws MultipartError on bad input.
 */
export async function* parseMultipartStream(
  body: ReadableStream<Uint8Array>,
  contentType: string,
  options: MultipartOptions,
): AsyncGenerator<MultipartEvent, void, undefined> {
  const boundary = boundaryOf(contentType);
  if (!boundary) throw new MultipartError("The Content-Type has no multipart boundary.");
  const parser = new MultipartParser(boundary, {
    isFile: options.isFile,
    maxFieldSize: options.maxFieldSize,
    maxParts: options.maxParts ?? 100,
    maxHeaderSize: 16 * 1024,
  });
  const reader = body.getReader();
  let complete = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.write(value);
    }
    yield* parser.end();
    complete = true;
  } finally {
    // Stopped early (bad input, or the consumer gave up): tell the sender we want no more.
    if (!complete) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
