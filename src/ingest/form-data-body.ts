/**
 * ingest/: the body engine, streaming a request body into R2 in bounded memory. This file takes a
 * multipart/form-data POST body (form-data-stream.ts, form-data-parser.ts); raw-body.ts a PUT body;
 * resumable-append.ts a resumable append; r2-sinks.ts, read-chunks.ts and byte-source.ts are shared.
 */
import { invalidRequest, tooLarge, unsupportedMediaType } from "../errors";
import { servedMediaType, storedContentType } from "../http/media-type";
import { FormDataError, parseFormDataStream } from "./form-data-stream";
import {
  type BeforeStore,
  type ByteSink,
  knownLengthSink,
  LengthMismatchError,
  type MultipartTracker,
  type StoredBytes,
  unknownLengthSink,
} from "./r2-sinks";

/** A multipart upload whose bytes are in R2 and whose `object` part passed `parseObject`. */
export interface IngestedFormData<T> {
  object: T;
  /** The `file` part's Content-Type as stored: the client's label, or application/octet-stream
   * (docs/api.md#upload-post). */
  contentType: string;
  filename: string | undefined;
  stored: StoredBytes;
}

export interface FormDataBodyOptions<T> {
  /** R2 key the bytes go to. */
  key: string;
  partSize: number;
  /** A `filesize` up to this goes out as one known-length put; larger ones as a multipart upload. */
  singlePutMaxBytes: number;
  maxFieldSize: number;
  /** Validates the `object` part as soon as it arrives, so a bad one stops the upload early. */
  parseObject: (text: string) => T;
  /** Told about the R2 multipart upload, if the bytes need one. */
  tracker?: MultipartTracker;
  /** Told the file's size (`filesize`, else what has arrived) before its first byte is stored. */
  beforeStore?: BeforeStore;
}

const FILESIZE = /^\s*(\d{1,16})\s*$/;
const decoder = new TextDecoder();

/**
 * Streams a POST /inventory/binaries body (docs/api.md#upload-post) into R2: parts in any order, `filesize`
 * optional, chunked or not. With `filesize` before `file` the bytes go out as one known-length
 * put; otherwise as a multipart upload. Any failure removes what was written and throws an
 * ApiError (400, or 413 for an oversized field).
 */
export async function ingestFormData<T>(
  bucket: R2Bucket,
  body: ReadableStream<Uint8Array> | null,
  contentTypeHeader: string | undefined,
  options: FormDataBodyOptions<T>,
): Promise<IngestedFormData<T>> {
  if (!contentTypeHeader || !/^multipart\/form-data\b/i.test(contentTypeHeader)) {
    throw unsupportedMediaType("Uploads must be multipart/form-data.");
  }
  if (!body) throw invalidRequest("The request has no body.");

  let object: T | undefined;
  let filesize: number | undefined;
  let file: { contentType: string; filename: string | undefined } | undefined;
  let sink: ByteSink | undefined;
  let stored: StoredBytes | undefined;
  // R2 keeps a header-safe media type; the label itself goes to the row.
  const httpMetadata = (contentType: string): R2HTTPMetadata => ({ contentType: servedMediaType(contentType) });

  try {
    const events = parseFormDataStream(body, contentTypeHeader, {
      isFile: (name) => name === "file",
      maxFieldSize: options.maxFieldSize,
    });
    for await (const event of events) {
      switch (event.kind) {
        case "field":
          if (event.name === "object") {
            if (object !== undefined) throw invalidRequest("More than one 'object' part.");
            object = options.parseObject(decoder.decode(event.value));
          } else if (event.name === "filesize") {
            const match = FILESIZE.exec(decoder.decode(event.value));
            if (!match?.[1]) throw invalidRequest("'filesize' must be a decimal byte count.");
            filesize = Number(match[1]);
          }
          break;
        case "fileStart":
          if (file) throw invalidRequest("More than one 'file' part.");
          // A label, not a gate: whatever the client calls its bytes, they are stored.
          file = { contentType: storedContentType(event.contentType), filename: event.filename };
          // A declared size is checked before the file's first byte; otherwise the sink checks what
          // it holds before its first write.
          if (filesize !== undefined) await options.beforeStore?.(filesize);
          sink =
            filesize !== undefined && filesize <= options.singlePutMaxBytes
              ? knownLengthSink(bucket, options.key, filesize, httpMetadata(file.contentType))
              : unknownLengthSink(
                  bucket,
                  options.key,
                  options.partSize,
                  httpMetadata(file.contentType),
                  options.tracker,
                  filesize === undefined ? options.beforeStore : undefined,
                );
          break;
        case "fileChunk":
          await sink!.write(event.chunk);
          break;
        case "fileEnd":
          stored = await sink!.close();
          break;
      }
    }
    if (!file || !stored) throw invalidRequest("The upload has no 'file' part.");
    if (object === undefined) throw invalidRequest("The upload has no 'object' part.");
    if (filesize !== undefined && filesize !== stored.size) throw new LengthMismatchError(filesize, stored.size);
    return { object, contentType: file.contentType, filename: file.filename, stored };
  } catch (error) {
    // close() may have finished (stored) or not; either way nothing may stay behind.
    if (sink) await sink.abort().catch(() => undefined);
    throw toApiError(error);
  }
}

function toApiError(error: unknown): unknown {
  if (error instanceof FormDataError) {
    return error.tooLarge ? tooLarge(error.message) : invalidRequest(error.message);
  }
  if (error instanceof LengthMismatchError)
    return invalidRequest(`'filesize' does not match the file: ${error.message}`);
  return error;
}
