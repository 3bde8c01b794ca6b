import { boundaryOf, MultipartError, type MultipartEvent, MultipartParser } from "./multipart-parser";
import { readChunks } from "./read-chunks";

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
 * holds one read chunk (1 MiB at most) plus whatever the consumer keeps. Throws MultipartError
 * on bad input; stopping early cancels the body.
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
  for await (const chunk of readChunks(body)) yield* parser.write(chunk);
  yield* parser.end();
}
