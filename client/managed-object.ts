import { base64ToHex } from "./credentials";

/** A binary's managed object as the API returns it (docs/api.md#the-managed-object-of-a-binary); other fragments pass
 * through. */
export interface BinaryObject {
  id: string;
  self: string;
  name: string;
  type: string;
  owner: string;
  creationTime: string;
  lastUpdated: string;
  length: number;
  contentType: string;
  _attachments?: Record<string, { digest?: string; length?: number; content_type?: string }>;
  [fragment: string]: unknown;
}

/** The base64 MD5 of the bytes, from `_attachments` ("md5-<base64>"); undefined when absent. */
export function md5Base64Of(object: BinaryObject): string | undefined {
  for (const attachment of Object.values(object._attachments ?? {})) {
    const digest = attachment.digest;
    if (typeof digest === "string" && digest.startsWith("md5-")) return digest.slice(4);
  }
  return undefined;
}

/** The MD5 as hex (what `md5sum` prints), or "" when unknown. */
export function md5HexOf(object: BinaryObject): string {
  const base64 = md5Base64Of(object);
  return base64 ? base64ToHex(base64) : "";
}

/** The download's strong ETag (the quoted base64 MD5, docs/api.md#download-get-head), for If-Match / If-Range. */
export function etagOf(object: BinaryObject): string | undefined {
  const base64 = md5Base64Of(object);
  return base64 ? `"${base64}"` : undefined;
}
