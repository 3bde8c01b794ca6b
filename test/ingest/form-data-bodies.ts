/**
 * Random multipart/form-data bodies for the properties of form-data-stream.test.ts: boundaries and
 * Content-Type spellings, part contents built around the boundary's tokens, header styles, filenames,
 * and how a body is cut into network chunks. Each generator says where it stays clear of a legitimate
 * difference between our parser and workerd's (see the test file's header).
 */
import fc from "fast-check";
import { concatBytes, indexOfBytes, pseudoRandomBytes, splitAt, utf8 } from "./form-data-reference";

export const NAMES = ["object", "filesize", "file", "other"] as const;

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/**
 * RFC 2046 bchars: DIGIT / ALPHA / "'" / "(" / ")" / "+" / "_" / "," / "-" / "." / "/" / ":" / "=" / "?"
 * / " " (not last).
 */
export const BCHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ";
/** RFC 7230 token: a boundary made only of these may go unquoted. */
export const TOKEN = /^[!#$%&'*+.^\w`|~-]+$/;

export const boundaryArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .string({ unit: fc.constantFrom(...BCHARS), minLength: 1, maxLength: 70 })
      .filter((b) => !b.endsWith(" ")),
  },
  {
    weight: 2,
    arbitrary: fc
      .string({ unit: fc.constantFrom("-", "-", "a", "B", "0", "_", " "), minLength: 1, maxLength: 10 })
      .filter((b) => !b.endsWith(" ")),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "----WebKitFormBoundary7MA4YWxkTrZu0gW",
      "-",
      "--",
      "b",
      "X-Y",
      "'()+_,-./:=?",
      "a b",
      "=_Part_0_1.2",
    ),
  },
);

export interface CtStyle {
  space: boolean;
  quote: boolean;
  upper: boolean;
  charset: "none" | "before" | "after";
}
export const ctStyleArb: fc.Arbitrary<CtStyle> = fc.record({
  space: fc.boolean(),
  quote: fc.boolean(),
  upper: fc.boolean(),
  charset: fc.constantFrom("none", "before", "after"),
});

/**
 * The request's Content-Type: `boundary=` with or without a space before it, quoted or not (quoted
 * when it must be).
 */
export function contentTypeFor(boundary: string, style: CtStyle): string {
  const value = style.quote || !TOKEN.test(boundary) ? `"${boundary}"` : boundary;
  const sep = style.space ? "; " : ";";
  const param = `${style.upper ? "Boundary" : "boundary"}=${value}`;
  const type = style.upper ? "Multipart/Form-Data" : "multipart/form-data";
  if (style.charset === "before") return `${type}; charset=utf-8${sep}${param}`;
  if (style.charset === "after") return `${type}${sep}${param}; charset=utf-8`;
  return `${type}${sep}${param}`;
}

/** A piece of content. Tokens depend on the boundary, so they stay symbolic until it is known. */
export type Seg =
  | { t: "tok"; i: number; k: number }
  | { t: "str"; s: string }
  | { t: "bytes"; b: Uint8Array }
  | { t: "blob"; n: number; seed: number };

/**
 * Byte sequences that trip boundary searches: CR/LF/dash runs, the boundary itself, strict prefixes of
 * the delimiter.
 */
export function token(boundary: string, i: number, k: number): string {
  const prefix = boundary.slice(0, k % boundary.length); // strict prefix
  const list = [
    "\r",
    "\n",
    "\r\n",
    "-",
    "--",
    "\r\n-",
    "\r\n--",
    `--${boundary}`, // the boundary, not at the start of a line: content
    `--${boundary}--`,
    `\r\n--${prefix}`, // a delimiter cut short: content
    `\r\r\n--${prefix}`,
    `\r\n--${prefix}\r\n`,
    boundary,
    `${boundary}--\r\n`,
    "\r\n\r\n",
    'Content-Disposition: form-data; name="file"; filename="x.bin"\r\n\r\n',
    `--${prefix}`,
  ];
  return list[i % list.length]!;
}

export const blobSizeArb = fc.oneof(fc.integer({ min: 0, max: 4096 }), fc.integer({ min: 0, max: 200 * 1024 }));

export function segArb(withBlobs: boolean): fc.Arbitrary<Seg> {
  const choices: fc.WeightedArbitrary<Seg>[] = [
    { weight: 6, arbitrary: fc.record({ t: fc.constant("tok" as const), i: fc.nat(), k: fc.nat() }) },
    {
      weight: 3,
      arbitrary: fc.record({ t: fc.constant("str" as const), s: fc.string({ unit: "grapheme", maxLength: 12 }) }),
    },
    { weight: 2, arbitrary: fc.record({ t: fc.constant("bytes" as const), b: fc.uint8Array({ maxLength: 48 }) }) },
  ];
  if (withBlobs)
    choices.push({
      weight: 2,
      arbitrary: fc.record({ t: fc.constant("blob" as const), n: blobSizeArb, seed: fc.nat() }),
    });
  return fc.oneof(...choices);
}

export function segBytes(boundary: string, seg: Seg): Uint8Array {
  switch (seg.t) {
    case "tok":
      return utf8(token(boundary, seg.i, seg.k));
    case "str":
      return utf8(seg.s);
    case "bytes":
      return seg.b;
    case "blob":
      return pseudoRandomBytes(seg.n, seg.seed);
  }
}

/** Inserts "." after `at` bytes of every occurrence of `needle`, until none is left. */
export function breakUp(bytes: Uint8Array, needle: Uint8Array, at: number): Uint8Array {
  const dot = utf8(".");
  for (let i = indexOfBytes(bytes, needle); i !== -1; ) {
    bytes = concatBytes([bytes.subarray(0, i + at), dot, bytes.subarray(i + at)]);
    // The needle may itself hold a ".": look again from the first place an occurrence holding the new
    // dot (now at i + at) could start. (Starting one byte later missed "---." with boundary ".": the
    // dot made "--.-." and a delimiter stayed in the preamble; fast-check seed 1417592728.)
    i = indexOfBytes(bytes, needle, Math.max(0, i + at - needle.length + 1));
  }
  return bytes;
}

/**
 * A part's content. RFC 2046 forbids the delimiter (CRLF "--" boundary) inside a part, and workerd
 * also splits at a bare-LF one, so every "\n--boundary" is broken up. Content follows the CRLF that
 * ends the part's headers, hence the leading "\n" while checking.
 */
export function partContent(boundary: string, segs: readonly Seg[]): Uint8Array {
  const raw = concatBytes([utf8("\n"), ...segs.map((s) => segBytes(boundary, s))]);
  return breakUp(raw, utf8(`\n--${boundary}`), 1).slice(1);
}

export interface HeaderStyle {
  case: number;
  ctFirst: boolean;
  semiSpace: boolean;
  colonSpace: boolean;
}
export const headerStyleArb: fc.Arbitrary<HeaderStyle> = fc.record({
  case: fc.integer({ min: 0, max: 2 }),
  ctFirst: fc.boolean(),
  semiSpace: fc.boolean(),
  colonSpace: fc.boolean(),
});

/** Filenames as browsers send them: printable, '"' escaped as %22 (so never raw), no backslash. */
export const FILENAME_CHARS =
  " !#$%&'()*+,-./0123456789:;<=>?@" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`" + "abcdefghijklmnopqrstuvwxyz{|}~é";
export const filenameArb = fc.string({ unit: fc.constantFrom(...FILENAME_CHARS), minLength: 1, maxLength: 24 });
export const partContentTypeArb = fc.constantFrom(
  "application/octet-stream",
  "application/json",
  "text/plain; charset=utf-8",
  "image/png",
  "application/x-test",
  "application/vnd.com.nsn.cumulocity.managedobject+json",
);

export interface PartSpec {
  name: string;
  segs: Seg[];
  filename: string | undefined;
  contentType: string | undefined;
  hdr: HeaderStyle;
}
export function partArb(opts: {
  withBlobs: boolean;
  name?: fc.Arbitrary<string>;
  filename?: fc.Arbitrary<string>;
}): fc.Arbitrary<PartSpec> {
  return fc.record({
    name: opts.name ?? fc.constantFrom(...NAMES),
    segs: fc.array(segArb(opts.withBlobs), { maxLength: 6 }),
    filename: fc.option(opts.filename ?? filenameArb, { nil: undefined }),
    contentType: fc.option(partContentTypeArb, { nil: undefined }),
    hdr: headerStyleArb,
  });
}

/** What a part is, independent of how it was framed. */
export interface ModelPart {
  name: string;
  value: Uint8Array;
  filename: string | undefined;
  contentType: string | undefined;
}

export interface Built {
  body: Uint8Array;
  contentType: string;
  boundary: string;
  parts: ModelPart[];
  /** Offsets of each "--boundary" that delimits (the close delimiter's included). */
  marks: number[];
  /** Offset just past the close delimiter's "--boundary--". */
  closeEnd: number;
}

export function partHeaders(p: ModelPart, hdr: HeaderStyle): string {
  const cdName = ["Content-Disposition", "content-disposition", "CONTENT-DISPOSITION"][hdr.case % 3]!;
  const ctName = ["Content-Type", "content-type", "CONTENT-TYPE"][hdr.case % 3]!;
  const colon = hdr.colonSpace ? ": " : ":";
  const semi = hdr.semiSpace ? "; " : ";";
  let cd = `${cdName}${colon}form-data${semi}name="${p.name}"`;
  if (p.filename !== undefined) cd += `${semi}filename="${p.filename}"`;
  const lines = [cd];
  if (p.contentType !== undefined) {
    const ct = `${ctName}${colon}${p.contentType}`;
    if (hdr.ctFirst) lines.unshift(ct);
    else lines.push(ct);
  }
  return lines.map((l) => `${l}\r\n`).join("");
}

export function buildBody(
  boundary: string,
  ctStyle: CtStyle,
  specs: readonly { model: ModelPart; hdr: HeaderStyle }[],
  framing: { preamble?: Uint8Array; epilogue?: Uint8Array; finalCrlf?: boolean } = {},
): Built {
  const chunks: Uint8Array[] = [];
  const marks: number[] = [];
  let length = 0;
  const push = (b: Uint8Array) => {
    chunks.push(b);
    length += b.length;
  };
  // RFC 2046: [preamble CRLF] dash-boundary ... ; the CRLF before each later "--boundary" belongs to the delimiter.
  if (framing.preamble) push(concatBytes([framing.preamble, utf8("\r\n")]));
  for (const [i, { model, hdr }] of specs.entries()) {
    if (i > 0) push(utf8("\r\n"));
    marks.push(length);
    push(utf8(`--${boundary}\r\n${partHeaders(model, hdr)}\r\n`));
    push(model.value);
  }
  if (specs.length > 0) push(utf8("\r\n"));
  marks.push(length);
  push(utf8(`--${boundary}--`));
  const closeEnd = length;
  if (framing.epilogue) push(concatBytes([utf8("\r\n"), framing.epilogue]));
  else if (framing.finalCrlf) push(utf8("\r\n"));
  return {
    body: concatBytes(chunks),
    contentType: contentTypeFor(boundary, ctStyle),
    boundary,
    parts: specs.map((s) => s.model),
    marks,
    closeEnd,
  };
}

export function realize(boundary: string, spec: PartSpec): { model: ModelPart; hdr: HeaderStyle } {
  return {
    model: {
      name: spec.name,
      value: partContent(boundary, spec.segs),
      filename: spec.filename,
      contentType: spec.contentType,
    },
    hdr: spec.hdr,
  };
}

/** How the body is cut into network chunks. */
export interface ChunkPlan {
  cuts: number[];
  nearMarks: [number, number][];
  window: [number, number] | undefined;
  bytewise: boolean;
}
export const chunkPlanArb: fc.Arbitrary<ChunkPlan> = fc.record({
  cuts: fc.array(fc.nat(), { maxLength: 24 }),
  // Cuts placed around delimiters, where a streaming parser must carry state from chunk to chunk.
  nearMarks: fc.array(fc.tuple(fc.nat(), fc.integer({ min: -3, max: 90 })), { maxLength: 24 }),
  // A run of 1-byte chunks.
  window: fc.option(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 200 })), { nil: undefined }),
  // The whole body in 1-byte chunks (small bodies only).
  bytewise: fc.boolean(),
});

/** Larger bodies are not cut into 1-byte chunks throughout: each chunk costs a stream read (~50 µs in workerd). */
export const BYTEWISE_MAX = 1024;

export function chunksFor(body: Uint8Array, marks: readonly number[], plan: ChunkPlan): Uint8Array[] {
  const n = body.length;
  const cuts: number[] = [];
  if (plan.bytewise && n <= BYTEWISE_MAX) for (let i = 1; i < n; i++) cuts.push(i);
  for (const c of plan.cuts) cuts.push(c % (n + 1));
  if (marks.length > 0) for (const [m, offset] of plan.nearMarks) cuts.push(marks[m % marks.length]! + offset);
  if (plan.window) {
    const start = plan.window[0] % (n + 1);
    for (let i = 0; i <= plan.window[1]; i++) cuts.push(start + i);
  }
  return splitAt(body, cuts);
}

// ---------------------------------------------------------------------------------------------
// Comparisons
// ---------------------------------------------------------------------------------------------
