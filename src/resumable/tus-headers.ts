import { invalidRequest } from "../errors";
import { base64ToBytes } from "../utils/base64";

/** The tus version we speak; every tus request and answer names it (Tus-Resumable). */
export const TUS_VERSION = "1.0.0";

/**
 * Parsers for the tus 1.0.0 request headers (docs/api.md#resumable-uploads), as http/'s: a malformed header the
 * request cannot go on without throws the catalogue's 400; a number that does not parse is "invalid", so
 * resumable/request-headers (the only caller) names the header in its message. None of them knows about upload state.
 * The IETF draft's headers are Structured Fields (http/structured-fields).
 */

/** A non-negative decimal integer header (Upload-Length, Upload-Offset): no sign, no spaces inside. */
export function nonNegativeInteger(value: string | undefined): number | "invalid" | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (!/^\d{1,16}$/.test(text)) return "invalid";
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : "invalid";
}

/**
 * Upload-Metadata: comma-separated `key base64value` pairs (the value may be absent). Keys are
 * ASCII without spaces or commas and unique; values are standard base64 of UTF-8 text.
 */
export function parseUploadMetadata(header: string | undefined): Map<string, string> {
  const pairs = new Map<string, string>();
  if (header === undefined || header.trim() === "") return pairs;
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  for (const item of header.split(",")) {
    const parts = item.trim().split(" ");
    const [key, value, ...rest] = parts;
    if (!key || rest.length > 0 || !/^[\x21-\x7e]+$/.test(key))
      throw invalidRequest(`Upload-Metadata has a malformed pair '${item.trim().slice(0, 40)}'.`);
    if (pairs.has(key)) throw invalidRequest(`Upload-Metadata repeats the key '${key}'.`);
    if (value === undefined || value === "") {
      pairs.set(key, "");
      continue;
    }
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value) || value.length % 4 !== 0)
      throw invalidRequest(`Upload-Metadata: the value of '${key}' is not base64.`);
    try {
      pairs.set(key, decoder.decode(base64ToBytes(value)));
    } catch {
      throw invalidRequest(`Upload-Metadata: the value of '${key}' is not base64 of UTF-8 text.`);
    }
  }
  return pairs;
}

/** The checksum algorithms of the tus checksum extension we accept, by their tus names. */
export const CHECKSUM_ALGORITHMS = { sha1: "SHA-1", md5: "MD5", sha256: "SHA-256" } as const;
export type ChecksumAlgorithm = keyof typeof CHECKSUM_ALGORITHMS;

/** Upload-Checksum: `<algorithm> <base64 digest>`; the algorithm must be one of ours. */
export function parseUploadChecksum(
  header: string | undefined,
): { algorithm: ChecksumAlgorithm; digest: string } | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*([A-Za-z0-9-]+) ([A-Za-z0-9+/]+={0,2})\s*$/.exec(header);
  if (!match) throw invalidRequest("Upload-Checksum must be '<algorithm> <base64 digest>'.");
  const algorithm = match[1]!.toLowerCase();
  if (!(algorithm in CHECKSUM_ALGORITHMS))
    throw invalidRequest(`Upload-Checksum algorithm '${match[1]}' is not supported (sha1, md5, sha256).`);
  return { algorithm: algorithm as ChecksumAlgorithm, digest: match[2]! };
}
