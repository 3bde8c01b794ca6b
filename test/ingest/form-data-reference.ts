/**
 * Test support for test/multipart-stream.test.ts: the reference parser (workerd's own
 * `Request.formData()`), a collector that turns parseFormDataStream's events into whole parts,
 * and byte helpers. Nothing here is used by the worker itself.
 */
import { type FormDataStreamOptions, parseFormDataStream } from "../../src/ingest/form-data-stream";
import { concat, randomBytes } from "../bytes";

const enc = new TextEncoder();
const dec = new TextDecoder();

export const utf8 = (s: string): Uint8Array => enc.encode(s);
/** UTF-8 decoding with U+FFFD for bad bytes, as FormData decodes string entries. */
export const text = (b: Uint8Array): string => dec.decode(b);

/** The chunks joined into one array. */
export const concatBytes = concat;

export function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  if (needle.length === 0) return from <= haystack.length ? from : -1;
  const first = needle[0]!;
  const last = haystack.length - needle.length;
  outer: for (let i = haystack.indexOf(first, from); i !== -1 && i <= last; i = haystack.indexOf(first, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Undefined when equal, else a short description of the first difference (never the whole arrays). */
export function bytesDiff(actual: Uint8Array, expected: Uint8Array): string | undefined {
  const n = Math.min(actual.length, expected.length);
  let i = 0;
  while (i < n && actual[i] === expected[i]) i++;
  if (i === n && actual.length === expected.length) return undefined;
  const around = (b: Uint8Array) => JSON.stringify(String.fromCharCode(...b.subarray(Math.max(0, i - 8), i + 8)));
  return (
    `lengths ${actual.length} vs ${expected.length}, first difference at byte ${i}: ${around(actual)} vs ` +
    `${around(expected)}`
  );
}

/** Deterministic pseudo-random bytes, for large file contents that are cheap to generate. */
export const pseudoRandomBytes = (length: number, seed: number): Uint8Array => randomBytes(length, seed);

/** Splits `body` at the given offsets (unsorted, duplicates and out-of-range ones allowed). */
export function splitAt(body: Uint8Array, cuts: Iterable<number>): Uint8Array[] {
  const points = [...new Set(cuts)].filter((c) => c > 0 && c < body.length).sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, body.length]) {
    // Copies, so no chunk shares a buffer with another or with `body`.
    if (p > from) out.push(body.slice(from, p));
    from = p;
  }
  return out;
}

/** A stream that hands out exactly these chunks, one per read, as a network body would. */
export function streamOf(chunks: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[i++];
      if (chunk === undefined) controller.close();
      else controller.enqueue(chunk);
    },
  });
}

export type RefEntry =
  | { name: string; kind: "string"; value: string }
  | { name: string; kind: "file"; filename: string; type: string; bytes: Uint8Array };

/** The reference: workerd's own multipart/form-data parser. Throws (TypeError) on bodies it rejects. */
export async function referenceParse(body: Uint8Array, contentType: string): Promise<RefEntry[]> {
  const form = await new Request("http://x", {
    method: "POST",
    body,
    headers: { "content-type": contentType },
  }).formData();
  const out: RefEntry[] = [];
  for (const [name, value] of form.entries()) {
    if (typeof value === "string") out.push({ name, kind: "string", value });
    else
      out.push({
        name,
        kind: "file",
        filename: value.name,
        type: value.type,
        bytes: new Uint8Array(await value.arrayBuffer()),
      });
  }
  return out;
}

export type ParsedPart =
  | { kind: "field"; name: string; bytes: Uint8Array; contentType: string | undefined }
  | { kind: "file"; name: string; bytes: Uint8Array; filename: string | undefined; contentType: string | undefined };

/**
 * Runs parseFormDataStream over `chunks` and reassembles its events into parts, checking the event
 * grammar on the way: (field | fileStart fileChunk* fileEnd)*.
 */
export async function parseWithStream(
  chunks: readonly Uint8Array[],
  contentType: string,
  options: FormDataStreamOptions,
): Promise<ParsedPart[]> {
  const parts: ParsedPart[] = [];
  let open:
    | { name: string; filename: string | undefined; contentType: string | undefined; chunks: Uint8Array[] }
    | undefined;
  for await (const event of parseFormDataStream(streamOf(chunks), contentType, options)) {
    switch (event.kind) {
      case "field":
        if (open) throw new Error(`event grammar: field "${event.name}" inside file "${open.name}"`);
        // No copies here or below: if the parser handed out views of buffers it later reuses, the
        // comparison at the end would catch it.
        parts.push({ kind: "field", name: event.name, bytes: event.value, contentType: event.contentType });
        break;
      case "fileStart":
        if (open) throw new Error(`event grammar: fileStart "${event.name}" inside file "${open.name}"`);
        open = { name: event.name, filename: event.filename, contentType: event.contentType, chunks: [] };
        break;
      case "fileChunk":
        if (!open) throw new Error("event grammar: fileChunk outside a file");
        open.chunks.push(event.chunk);
        break;
      case "fileEnd":
        if (!open) throw new Error("event grammar: fileEnd outside a file");
        parts.push({
          kind: "file",
          name: open.name,
          bytes: concatBytes(open.chunks),
          filename: open.filename,
          contentType: open.contentType,
        });
        open = undefined;
        break;
    }
  }
  if (open) throw new Error(`event grammar: file "${open.name}" never ended`);
  return parts;
}
