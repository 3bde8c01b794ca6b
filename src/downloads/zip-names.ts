/**
 * File names inside a zip of several binaries (docs/api.md#several-binaries-as-one-zip). Binary names are labels, not
 * paths: whatever they hold, an entry name must not climb out of the folder it is unpacked into
 * ("../x", "/etc/x", "C:\x"), must be creatable on Windows, macOS and Linux, and must differ from
 * every other entry's name, also ignoring case (two "a.txt" would overwrite each other).
 */

/** Longest entry name, in UTF-8 bytes: the common file-system limit for one path segment. */
const MAX_NAME_BYTES = 255;

const encoder = new TextEncoder();

/** Characters no common file system takes in a name, or that would make it a path (and control characters). */
const UNSAFE = /[/\\:*?"<>|]/g;

function withoutControls(text: string): string {
  return Array.from(text, (ch) => {
    const code = ch.codePointAt(0) ?? 0;
    return code < 0x20 || code === 0x7f ? "_" : ch;
  }).join("");
}
/** Names Windows reserves for devices, with or without an extension. */
const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

function bytesOf(text: string): number {
  return encoder.encode(text).length;
}

/** `name` cut to `maxBytes` UTF-8 bytes at a code point boundary, keeping a short extension. */
function fitBytes(name: string, maxBytes: number): string {
  if (bytesOf(name) <= maxBytes) return name;
  const dot = name.lastIndexOf(".");
  const extension = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : "";
  const stem = Array.from(extension ? name.slice(0, dot) : name);
  const room = maxBytes - bytesOf(extension);
  while (stem.length > 0 && bytesOf(stem.join("")) > room) stem.pop();
  return stem.join("") + extension;
}

/** One binary's name made safe as a single file name; `fallback` when nothing usable is left. */
export function safeEntryName(name: string, fallback: string): string {
  // Lone surrogates cannot be written as UTF-8.
  const wellFormed = name.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "_");
  let safe = withoutControls(wellFormed).replace(UNSAFE, "_").trim();
  // Windows drops trailing dots and spaces; "." and ".." are not names at all.
  safe = safe.replace(/[. ]+$/, "");
  if (safe === "" || /^\.+$/.test(safe)) return fallback;
  if (RESERVED.test(safe)) safe = `_${safe}`;
  return fitBytes(safe, MAX_NAME_BYTES);
}

/** `name` with ` (n)` before its extension. */
function numbered(name: string, n: number): string {
  const dot = name.lastIndexOf(".");
  const [stem, extension] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
  const suffix = ` (${n})`;
  return fitBytes(stem, MAX_NAME_BYTES - bytesOf(suffix + extension)) + suffix + extension;
}

/**
 * Safe names for the entries, in order, each unique ignoring case: a repeated name gets " (2)",
 * " (3)", … before its extension, skipping numbers another entry already has.
 */
export function uniqueEntryNames(entries: readonly { name: string; id: number }[]): string[] {
  const taken = new Set<string>();
  return entries.map(({ name, id }) => {
    const base = safeEntryName(name, `binary-${id}`);
    let candidate = base;
    for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = numbered(base, n);
    taken.add(candidate.toLowerCase());
    return candidate;
  });
}
