/**
 * `attachment; filename="..."` for a download (docs/api.md#download-get-head). The quoted name is ASCII only, with
 * quotes, backslashes and control characters replaced; a name that needed replacing also gets
 * `filename*=UTF-8''` with the exact name percent-encoded (RFC 6266 / 8187).
 */
export function contentDisposition(fullName: string): string {
  // Names are capped at the door (docs/api.md#limits-and-configuration), but older rows may hold anything: cut them so
  // the header stays small (Node's clients refuse response headers over 16 KB in total).
  const name = shortenName(fullName);
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  if (fallback === name) return `attachment; filename="${name}"`;
  // Lone surrogates would make encodeURIComponent throw.
  const wellFormed = name.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
  const encoded = encodeURIComponent(wellFormed).replace(
    /['()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** Longest file name put in Content-Disposition, in code points: the header stays under 3 KB. */
const MAX_HEADER_NAME = 200;

/** `name` cut to at most `max` code points, keeping a short extension, the cut marked with an ellipsis. */
export function shortenName(name: string, max = MAX_HEADER_NAME): string {
  const chars = Array.from(name);
  if (chars.length <= max) return name;
  const dot = name.lastIndexOf(".");
  const extension = dot > 0 && name.length - dot <= 16 ? Array.from(name.slice(dot)) : [];
  return [...chars.slice(0, max - extension.length - 1), "\u2026", ...extension].join("");
}
