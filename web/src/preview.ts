/**
 * What a preview shows for a binary, decided from its content type and name, and loading it:
 * images and PDFs as object URLs of the downloaded bytes, text as the first TEXT_PREVIEW_BYTES
 * (a Range request, so a huge log file costs one small read).
 */
import type { BinariesClient } from "../../client/api";
import type { BinaryObject } from "../../client/managed-object";

export type PreviewKind = "image" | "pdf" | "csv" | "json" | "text" | "none";

export const TEXT_PREVIEW_BYTES = 256 * 1024;
/** Images and PDFs above this are not loaded into the page; download them instead. */
export const MEDIA_PREVIEW_MAX_BYTES = 50 * 1024 * 1024;

const TEXT_TYPES = /^(text\/|application\/(json|xml|yaml|x-yaml|javascript|x-ndjson|csv|x-sh|toml)\b)|\+(json|xml)\b/;
const TEXT_EXTENSIONS = /\.(txt|log|md|csv|tsv|json|ndjson|xml|ya?ml|ini|conf|cfg|toml|sh|ts|js|py|c|h|properties)$/i;

export function previewKindOf(object: Pick<BinaryObject, "contentType" | "name">): PreviewKind {
  const type = (object.contentType || "").toLowerCase();
  const name = object.name || "";
  if (type.startsWith("image/") || /\.(png|jpe?g|gif|webp|svg|bmp|avif)$/i.test(name)) return "image";
  if (type.startsWith("application/pdf") || /\.pdf$/i.test(name)) return "pdf";
  if (type.startsWith("text/csv") || /\.csv$/i.test(name)) return "csv";
  if (/\bjson\b/.test(type) || /\.json$/i.test(name)) return "json";
  if (TEXT_TYPES.test(type) || TEXT_EXTENSIONS.test(name)) return "text";
  return "none";
}

export type Preview =
  | { kind: "image" | "pdf"; url: string }
  | { kind: "text" | "json"; text: string; truncated: boolean }
  | { kind: "csv"; rows: string[][]; truncated: boolean }
  | { kind: "none"; reason: string };

export async function loadPreview(
  client: BinariesClient,
  object: BinaryObject,
  signal?: AbortSignal,
): Promise<Preview> {
  const kind = previewKindOf(object);
  if (kind === "none") return { kind, reason: `No preview for the type "${object.contentType || "unknown"}".` };
  if (kind === "image" || kind === "pdf") {
    if (object.length > MEDIA_PREVIEW_MAX_BYTES)
      return { kind: "none", reason: "Too large to preview; download it instead." };
    const response = await client.download(object.id, { signal });
    const blob = await response.blob();
    // The stored content type may be generic; the viewer needs the real one.
    const typed = new Blob([blob], { type: kind === "pdf" ? "application/pdf" : object.contentType || blob.type });
    return { kind, url: URL.createObjectURL(typed) };
  }
  const truncated = object.length > TEXT_PREVIEW_BYTES;
  const response = await client.download(object.id, {
    range: truncated ? `bytes=0-${TEXT_PREVIEW_BYTES - 1}` : undefined,
    signal,
  });
  const text = new TextDecoder().decode(await response.arrayBuffer());
  if (kind === "json" && !truncated) {
    try {
      return { kind, text: JSON.stringify(JSON.parse(text), null, 2), truncated };
    } catch {
      return { kind: "text", text, truncated };
    }
  }
  if (kind === "csv") return { kind, rows: parseCsv(text, 200), truncated: truncated || text.split("\n").length > 200 };
  return { kind: kind === "json" ? "text" : kind, text, truncated };
}

/** RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF), up to `maxRows` rows. */
export function parseCsv(text: string, maxRows: number): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length && rows.length < maxRows; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === "") quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if ((field !== "" || row.length > 0) && rows.length < maxRows) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
