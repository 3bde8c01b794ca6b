import * as Multipasta from "multipasta";

/** Something the streaming parser found, in body order. */
export type MultipartEvent =
  | { kind: "field"; name: string; value: Uint8Array; contentType: string }
  | { kind: "fileStart"; name: string; filename: string | undefined; contentType: string | undefined }
  | { kind: "fileChunk"; chunk: Uint8Array }
  | { kind: "fileEnd" };

/** Why a body is not acceptable multipart/form-data. `tooLarge` means a field went over its cap. */
export class MultipartError extends Error {
  constructor(
    message: string,
    readonly tooLarge = false,
  ) {
    super(message);
    this.name = "MultipartError";
  }
}

export interface MultipartOptions {
  /** Which parts are streamed as files; all others are collected as fields. */
  isFile: (name: string) => boolean;
  /** Largest field, in bytes. */
  maxFieldSize: number;
  maxParts?: number;
}

function describe(error: Multipasta.MultipartError): MultipartError {
  switch (error._tag) {
    case "InvalidBoundary":
      return new MultipartError("The Content-Type has no multipart boundary.");
    case "BadHeaders":
      return new MultipartError("A part of the multipart body has malformed headers.");
    case "InvalidDisposition":
      return new MultipartError("A part of the multipart body has no form-data name.");
    case "EndNotReached":
      return new MultipartError("The multipart body ended before its closing boundary.");
    case "ReachedLimit":
      return error.limit === "MaxFieldSize"
        ? new MultipartError("A form field is larger than allowed.", true)
        : new MultipartError(`The multipart body exceeds a limit (${error.limit}).`);
  }
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
  const queue: MultipartEvent[] = [];
  let failure: MultipartError | undefined;
  let finished = false;
  const parser = Multipasta.make({
    headers: { "content-type": contentType },
    maxFieldSize: options.maxFieldSize,
    maxParts: options.maxParts ?? 100,
    isFile: (info) => options.isFile(info.name),
    onField(info, value) {
      queue.push({ kind: "field", name: info.name, value, contentType: info.contentType });
    },
    onFile(info) {
      // The raw header, parameters included; undefined when the part sent none.
      const header = info.headers["content-type"];
      const contentType = Array.isArray(header) ? header[0] : header;
      queue.push({ kind: "fileStart", name: info.name, filename: info.filename, contentType: contentType?.trim() || undefined });
      return (chunk) => {
        queue.push(chunk === null ? { kind: "fileEnd" } : { kind: "fileChunk", chunk });
      };
    },
    onError(error) {
      failure ??= describe(error);
    },
    onDone() {
      finished = true;
    },
  });
  if (failure) throw failure;

  const reader = body.getReader();
  let complete = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      // After the closing boundary the rest of the body is epilogue, which RFC 2046 says to ignore.
      if (!finished) parser.write(value);
      if (failure) throw failure;
      yield* drain(queue);
    }
    parser.end();
    if (failure) throw failure;
    if (!finished) throw new MultipartError("The multipart body ended before its closing boundary.");
    yield* drain(queue);
    complete = true;
  } finally {
    // Stopped early (bad input, or the consumer gave up): tell the sender we want no more.
    if (!complete) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

function* drain(queue: MultipartEvent[]): Generator<MultipartEvent> {
  yield* queue.splice(0);
}
