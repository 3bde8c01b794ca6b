/**
 * A streaming multipart/form-data parser (RFC 7578, RFC 2046 section 5.1.1): push bytes in, get the
 * parts' events out, synchronously, so the caller decides when to read more (backpressure).
 *
 * Hand-written after multipasta 0.2.8, the maintained parser we started with, failed our
 * property tests in five ways (regressions "Bug 1-5" in test/ingest/form-data-stream.test.ts): a
 * close delimiter whose dashes arrive in separate chunks, a delimiter line in the epilogue, an
 * epilogue that looks like a delimiter's start, non-Latin-1 names, and a TypeError on an empty part
 * (which would have been a 500). Every byte of a file part is passed on as it is found; only a
 * possible delimiter prefix (at most boundary + 4 bytes) is held back across chunks.
 */

/** Something the parser found, in body order. */
export type FormDataEvent =
  | { kind: "field"; name: string; value: Uint8Array; contentType: string | undefined }
  | { kind: "fileStart"; name: string; filename: string | undefined; contentType: string | undefined }
  | { kind: "fileChunk"; chunk: Uint8Array }
  | { kind: "fileEnd" };

/** Why a body is not acceptable multipart/form-data. `tooLarge` means a field went over its cap. */
export class FormDataError extends Error {
  constructor(
    message: string,
    readonly tooLarge = false,
  ) {
    super(message);
    this.name = "FormDataError";
  }
}

export interface FormDataLimits {
  /** Which parts are streamed as files; all others are collected as fields. */
  isFile: (name: string) => boolean;
  maxFieldSize: number;
  maxParts: number;
  maxHeaderSize: number;
}

const CR = 13;
const LF = 10;
const DASH = 45;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

type State = "preamble" | "delimiterTail" | "headers" | "body" | "done";

/**
 * Boundary from a Content-Type: `boundary=` with or without spaces, quoted or not. RFC 2046 caps
 * boundaries at 70 characters; longer ones are accepted (up to 200) as workerd does.
 */
export function boundaryOf(contentType: string): string | undefined {
  for (const param of splitParams(contentType).slice(1)) {
    const eq = param.indexOf("=");
    if (eq < 1 || param.slice(0, eq).trim().toLowerCase() !== "boundary") continue;
    let value = param.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    return value.length >= 1 && value.length <= 200 && !/[\r\n"]/.test(value) ? value : undefined;
  }
  return undefined;
}

/** The push parser; `write` and `end` return the events their bytes completed. */
export class FormDataParser {
  private readonly delimiter: Uint8Array; // CRLF "--" boundary
  private state: State = "preamble";
  private carry: Uint8Array;
  private pending: Uint8Array[] = [];
  private pendingSize = 0;
  private parts = 0;
  private part: { name: string; file: boolean; contentType: string | undefined } | undefined;
  private events: FormDataEvent[] = [];

  constructor(
    boundary: string,
    private readonly limits: FormDataLimits,
  ) {
    this.delimiter = encoder.encode(`\r\n--${boundary}`);
    // A body may open with the delimiter itself: pretend a CRLF came before it.
    this.carry = new Uint8Array([CR, LF]);
  }

  /** Feeds the next bytes of the body. */
  write(chunk: Uint8Array): FormDataEvent[] {
    if (this.state === "done" || chunk.length === 0) return this.take();
    let data = chunk;
    if (this.carry.length > 0) {
      data = new Uint8Array(this.carry.length + chunk.length);
      data.set(this.carry);
      data.set(chunk, this.carry.length);
      this.carry = new Uint8Array(0);
    }
    let offset = 0;
    while (offset < data.length && (this.state as State) !== "done") {
      offset = this.step(data, offset);
    }
    return this.take();
  }

  /** Declares the body complete; throws unless the close delimiter was seen. */
  end(): FormDataEvent[] {
    if (this.state !== "done") throw new FormDataError("The multipart body ended before its closing boundary.");
    return this.take();
  }

  private take(): FormDataEvent[] {
    const events = this.events;
    this.events = [];
    return events;
  }

  /** Handles data from `offset` in the current state; returns where it stopped. */
  private step(data: Uint8Array, offset: number): number {
    switch (this.state) {
      case "preamble":
      case "body":
        return this.scanContent(data, offset);
      case "delimiterTail":
        return this.scanDelimiterTail(data, offset);
      case "headers":
        return this.scanHeaders(data, offset);
      default:
        return data.length;
    }
  }

  /** Content up to the next delimiter goes to the part (or, in the preamble, nowhere). */
  private scanContent(data: Uint8Array, offset: number): number {
    const needle = this.delimiter;
    let from = offset;
    for (;;) {
      const at = data.indexOf(CR, from);
      if (at === -1) {
        this.content(data.subarray(offset));
        return data.length;
      }
      const available = Math.min(needle.length, data.length - at);
      let matched = 0;
      while (matched < available && data[at + matched] === needle[matched]) matched++;
      if (matched === needle.length) {
        this.content(data.subarray(offset, at));
        this.endPart();
        this.state = "delimiterTail";
        return at + needle.length;
      }
      if (matched === available) {
        // The data ends inside what may be a delimiter: hold those bytes back.
        this.content(data.subarray(offset, at));
        this.carry = data.slice(at);
        return data.length;
      }
      from = at + 1;
    }
  }

  /** After a delimiter: `--` closes the body; otherwise optional padding, then CRLF. */
  private scanDelimiterTail(data: Uint8Array, offset: number): number {
    let i = offset;
    if (data.length - i < 2) {
      this.carry = data.slice(i);
      return data.length;
    }
    if (data[i] === DASH && data[i + 1] === DASH) {
      this.state = "done"; // the rest is epilogue, which RFC 2046 says to ignore
      return data.length;
    }
    while (i < data.length && (data[i] === 32 || data[i] === 9)) i++;
    if (data.length - i < 2) {
      if (i - offset > 256) throw new FormDataError("A multipart delimiter line is malformed.");
      this.carry = data.slice(offset);
      return data.length;
    }
    if (data[i] !== CR || data[i + 1] !== LF)
      throw new FormDataError("A multipart delimiter is followed by something other than a line break.");
    this.state = "headers";
    return i + 2;
  }

  /** Collects a part's header block up to the empty line, then parses it. */
  private scanHeaders(data: Uint8Array, offset: number): number {
    // Look for the empty line in what we hold plus the new bytes; headers are small.
    const held = this.pendingBytes();
    const joined = new Uint8Array(held.length + data.length - offset);
    joined.set(held);
    joined.set(data.subarray(offset), held.length);
    let end = -1;
    if (joined[0] === CR && joined[1] === LF) end = 0;
    else {
      for (let at = joined.indexOf(CR); at !== -1; at = joined.indexOf(CR, at + 1)) {
        if (joined[at + 1] === LF && joined[at + 2] === CR && joined[at + 3] === LF) {
          end = at + 2;
          break;
        }
      }
    }
    if (end === -1) {
      if (joined.length > this.limits.maxHeaderSize) throw new FormDataError("A part's headers are too large.");
      this.pending = [joined];
      this.pendingSize = joined.length;
      return data.length;
    }
    // The cap holds wherever the header block ends: in this chunk or a later one.
    if (end > this.limits.maxHeaderSize) throw new FormDataError("A part's headers are too large.");
    this.pending = [];
    this.pendingSize = 0;
    this.startPart(decoder.decode(joined.subarray(0, end)));
    this.state = "body";
    return offset + (end + 2 - held.length);
  }

  private pendingBytes(): Uint8Array {
    if (this.pending.length === 1) return this.pending[0]!;
    return new Uint8Array(0);
  }

  private startPart(headerBlock: string): void {
    if (++this.parts > this.limits.maxParts) throw new FormDataError("The multipart body has too many parts.");
    const headers = new Map<string, string>();
    for (const line of headerBlock.split("\r\n")) {
      if (line === "") continue;
      const colon = line.indexOf(":");
      if (colon < 1) throw new FormDataError("A part of the multipart body has malformed headers.");
      const name = line.slice(0, colon).trim().toLowerCase();
      if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim()); // the first one counts, as in workerd
    }
    const disposition = parseDisposition(headers.get("content-disposition"));
    if (!disposition || disposition.name === undefined)
      throw new FormDataError("A part of the multipart body has no form-data name.");
    const contentType = headers.get("content-type") || undefined;
    const file = this.limits.isFile(disposition.name);
    this.part = { name: disposition.name, file, contentType };
    if (file)
      this.events.push({ kind: "fileStart", name: disposition.name, filename: disposition.filename, contentType });
  }

  private content(bytes: Uint8Array): void {
    if (bytes.length === 0 || !this.part || this.state !== "body") return;
    if (this.part.file) {
      this.events.push({ kind: "fileChunk", chunk: bytes });
      return;
    }
    this.pendingSize += bytes.length;
    if (this.pendingSize > this.limits.maxFieldSize)
      throw new FormDataError("A form field is larger than allowed.", true);
    this.pending.push(bytes.slice());
  }

  private endPart(): void {
    const part = this.part;
    this.part = undefined;
    if (!part || this.state !== "body") return;
    if (part.file) {
      this.events.push({ kind: "fileEnd" });
      return;
    }
    const value = new Uint8Array(this.pendingSize);
    let at = 0;
    for (const piece of this.pending) {
      value.set(piece, at);
      at += piece.length;
    }
    this.pending = [];
    this.pendingSize = 0;
    this.events.push({ kind: "field", name: part.name, value, contentType: part.contentType });
  }
}

/** `form-data; name="x"; filename="y"` (quoted or token values, `filename*=UTF-8''...` preferred). */
function parseDisposition(header: string | undefined): { name?: string; filename?: string } | undefined {
  if (!header) return undefined;
  const [type, ...rest] = splitParams(header);
  if (type?.toLowerCase() !== "form-data") return undefined;
  const params: Record<string, string> = {};
  for (const param of rest) {
    const eq = param.indexOf("=");
    if (eq < 1) continue;
    const key = param.slice(0, eq).trim().toLowerCase();
    let value = param.slice(eq + 1).trim();
    if (value.startsWith('"'))
      value = value.slice(1, value.endsWith('"') && value.length > 1 ? -1 : undefined).replace(/\\(.)/g, "$1");
    params[key] = value;
  }
  let filename = params.filename;
  const extended = params["filename*"];
  if (extended) {
    const match = /^utf-8'[^']*'(.*)$/i.exec(extended);
    if (match?.[1] !== undefined) {
      try {
        filename = decodeURIComponent(match[1]);
      } catch {
        // keep the plain filename
      }
    }
  }
  return { name: params.name, filename };
}

/** Splits on `;` outside quoted strings. */
function splitParams(header: string): string[] {
  const out: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < header.length; i++) {
    const ch = header[i]!;
    if (quoted && ch === "\\" && i + 1 < header.length) {
      current += ch + header[++i];
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === ";" && !quoted) {
      out.push(current.trim());
      current = "";
    } else current += ch;
  }
  out.push(current.trim());
  return out;
}
