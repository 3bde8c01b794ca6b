/**
 * `attachment; filename="..."` for a download (docs/api.md §5). The quoted name is ASCII only, with
 * quotes, backslashes and control characters replaced; a name that needed replacing also gets
 * `filename*=UTF-8''` with the exact name percent-encoded (RFC 6266 / 8187).
 */
export function contentDisposition(name: string): string {
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
