import { boundaryOf, FormDataError, type FormDataEvent, FormDataParser } from "./form-data-parser";
import { readChunks } from "./read-chunks";

export { FormDataError, type FormDataEvent } from "./form-data-parser";

export interface FormDataStreamOptions {
  /** Which parts are streamed as files; all others are collected as fields. */
  isFile: (name: string) => boolean;
  /** Largest field, in bytes. */
  maxFieldSize: number;
  maxParts?: number;
}

/**
 * Parses a multipart/form-data body as it arrives, with backpressure: the next chunk is read
 * from `body` only after the consumer has handled every event of the previous one, so memory
 * holds one read chunk (1 MiB at most) plus whatever the consumer keeps. Throws FormDataError
 * on bad input; stopping early cancels the body.
 */
export async function* parseFormDataStream(
  body: ReadableStream<Uint8Array>,
  contentType: string,
  options: FormDataStreamOptions,
): AsyncGenerator<FormDataEvent, void, undefined> {
  const boundary = boundaryOf(contentType);
  if (!boundary) throw new FormDataError("The Content-Type has no multipart boundary.");
  const parser = new FormDataParser(boundary, {
    isFile: options.isFile,
    maxFieldSize: options.maxFieldSize,
    maxParts: options.maxParts ?? 100,
    maxHeaderSize: 16 * 1024,
  });
  for await (const chunk of readChunks(body)) yield* parser.write(chunk);
  yield* parser.end();
}
