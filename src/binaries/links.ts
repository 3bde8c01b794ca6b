import type { LinkKey } from "../config";
import type { BinaryRow } from "../db/schema";
import { signLink } from "../downloads/signed-links";
import { invalidRequest, linksNotConfigured, unprocessable } from "../errors";
import { tenantPrefix } from "../r2/objects";

/** Default and longest lifetime of a link (docs/api.md#signed-download-links). */
export const DEFAULT_LINK_SECONDS = 3600;
export const MAX_LINK_SECONDS = 7 * 24 * 3600;

/** A minted link, as POST /inventory/binaries/{id}/links answers it. */
export interface MintedLink {
  url: string;
  expiresAt: string;
  binaryId: string;
  revision: number;
}

/**
 * The file name a link carries (for its Content-Disposition): at most 255 characters, so a link
 * stays far below the 16 KB URL limit of Cloudflare (and of common clients) whatever the name.
 */
function linkName(name: string): string {
  const characters = Array.from(name);
  return characters.length <= 255 ? name : characters.slice(0, 255).join("");
}

/** The requested lifetime in seconds: `expiresInSeconds` of the body, default one hour. */
export function linkLifetime(body: Record<string, unknown>): number {
  const value = body.expiresInSeconds;
  if (value === undefined) return DEFAULT_LINK_SECONDS;
  if (typeof value !== "number" || !Number.isInteger(value))
    throw invalidRequest("'expiresInSeconds' must be an integer.");
  if (value < 1 || value > MAX_LINK_SECONDS) {
    throw unprocessable(`'expiresInSeconds' must be between 1 and ${MAX_LINK_SECONDS} (7 days).`);
  }
  return value;
}

/**
 * Signs a link to the revision `row` holds now. Only called for a row the principal may read; the
 * link then grants exactly those bytes to whoever holds it, until it expires or the bytes are gone.
 */
export async function mintLink(
  row: BinaryRow,
  origin: string,
  lifetimeSeconds: number,
  keys: readonly LinkKey[],
  now = Date.now(),
  region?: string,
): Promise<MintedLink> {
  const key = keys[0];
  if (!key) throw linksNotConfigured();
  const prefix = tenantPrefix(row.tenant);
  if (!row.r2Key.startsWith(prefix)) throw new Error(`binary ${row.id}: R2 key outside its tenant's prefix`);
  const expires = Math.floor(now / 1000) + lifetimeSeconds;
  const url = await signLink(
    origin,
    {
      tenant: row.tenant,
      id: row.id,
      revision: row.revpos,
      object: row.r2Key.slice(prefix.length),
      md5: row.md5,
      contentType: row.contentType,
      length: row.length,
      lastModified: Date.parse(row.lastUpdated),
      name: linkName(row.name),
      expires,
      region,
    },
    key,
  );
  return { url, expiresAt: new Date(expires * 1000).toISOString(), binaryId: String(row.id), revision: row.revpos };
}
