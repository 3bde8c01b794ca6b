import type { LinkKey } from "../config";
import { tenantPrefix } from "../r2/objects";
import type { Revision } from "../revisions/revision";
import { base64UrlToBytes, bytesToBase64Url } from "../utils/base64";

/**
 * Signed download links (docs/api.md#signed-download-links): a URL that names one revision of a
 * binary and carries everything its download needs (R2 key, length, digest, media type, name),
 * an expiry and an HMAC-SHA256 over all of it. Whoever holds the link may fetch those bytes until
 * the expiry, without credentials, and the worker serves it without asking D1 or hashing a
 * password. The key id in the link selects the secret, so secrets can rotate.
 */

/** What a link grants: one revision of one binary of one tenant, until `expires`. */
export interface LinkClaims {
  tenant: string;
  id: number;
  revision: number;
  /** The R2 key below the tenant's prefix. */
  object: string;
  md5: string;
  contentType: string;
  length: number;
  /** Milliseconds since the epoch. */
  lastModified: number;
  name: string;
  /** Seconds since the epoch. */
  expires: number;
  keyId: string;
  /**
   * The region whose bucket holds the bytes (issue 19), signed like every claim. Links minted
   * before regions existed carry none and are served from the default region.
   */
  region?: string;
}

/** Links live at `/links/binaries/{id}`; everything else is in the query. */
export const LINK_PATH_PREFIX = "/links/binaries/";
const CONTEXT = "c8y-binaries signed link v1";

const FIELDS = ["tenant", "revision", "object", "md5", "type", "length", "modified", "name", "expires", "kid"] as const;

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    keys.set(secret, key);
  }
  return key;
}

/** The signed text: every claim, each percent-encoded so no value can run into the next. */
function canonical(c: LinkClaims): Uint8Array {
  const values = [
    CONTEXT,
    c.keyId,
    c.tenant,
    c.id,
    c.revision,
    c.object,
    c.md5,
    c.contentType,
    c.length,
    c.lastModified,
    c.name,
    c.expires,
    // Only links that carry a region sign it, so links minted before regions keep verifying.
    ...(c.region === undefined ? [] : [`region=${c.region}`]),
  ];
  return encoder.encode(values.map((value) => encodeURIComponent(String(value))).join("\n"));
}

function queryOf(c: LinkClaims): Record<string, string> {
  return {
    ...(c.region === undefined ? {} : { region: c.region }),
    tenant: c.tenant,
    revision: String(c.revision),
    object: c.object,
    md5: c.md5,
    type: c.contentType,
    length: String(c.length),
    modified: String(c.lastModified),
    name: c.name,
    expires: String(c.expires),
    kid: c.keyId,
  };
}

/** The link URL for `claims`, signed with `key`. */
export async function signLink(origin: string, claims: Omit<LinkClaims, "keyId">, key: LinkKey): Promise<string> {
  const full: LinkClaims = { ...claims, keyId: key.id };
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(key.secret), canonical(full));
  const query = new URLSearchParams({ ...queryOf(full), sig: bytesToBase64Url(new Uint8Array(signature)) });
  return `${origin}${LINK_PATH_PREFIX}${full.id}?${query}`;
}

/** Why a link was refused; every case is decided before any storage is touched. */
export type LinkRejection = "malformed" | "unknown-key" | "bad-signature" | "expired";

const DIGITS = /^(0|[1-9][0-9]{0,15})$/;

function integer(text: string): number | undefined {
  if (!DIGITS.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Reads the claims of a link's id and query; undefined when a field is missing, repeated or ill-formed. */
function parseClaims(idText: string, query: URLSearchParams): { claims: LinkClaims; signature: string } | undefined {
  const one = (name: string) => {
    const values = query.getAll(name);
    return values.length === 1 ? values[0] : undefined;
  };
  const text: Partial<Record<(typeof FIELDS)[number] | "sig", string>> = {};
  for (const name of [...FIELDS, "sig"] as const) {
    const value = one(name);
    if (value === undefined) return undefined;
    text[name] = value;
  }
  const regions = query.getAll("region");
  if (regions.length > 1) return undefined;
  const id = integer(idText);
  const revision = integer(text.revision!);
  const length = integer(text.length!);
  const lastModified = integer(text.modified!);
  const expires = integer(text.expires!);
  if (
    id === undefined ||
    revision === undefined ||
    length === undefined ||
    lastModified === undefined ||
    expires === undefined
  )
    return undefined;
  const claims: LinkClaims = {
    tenant: text.tenant!,
    id,
    revision,
    object: text.object!,
    md5: text.md5!,
    contentType: text.type!,
    length,
    lastModified,
    name: text.name!,
    expires,
    keyId: text.kid!,
    ...(regions[0] === undefined ? {} : { region: regions[0] }),
  };
  return { claims, signature: text.sig! };
}

/**
 * Checks a link: well-formed, signed by a key we hold, not expired; a valid one comes with the revision it names.
 * Pure computation: no D1, no R2, no password hash. `now` is in milliseconds.
 */
export async function verifyLink(
  idText: string,
  query: URLSearchParams,
  keyring: readonly LinkKey[],
  now: number,
): Promise<{ ok: true; claims: LinkClaims; revision: Revision } | { ok: false; reason: LinkRejection }> {
  const parsed = parseClaims(idText, query);
  if (!parsed) return { ok: false, reason: "malformed" };
  const key = keyring.find((candidate) => candidate.id === parsed.claims.keyId);
  if (!key) return { ok: false, reason: "unknown-key" };
  const signature = base64UrlToBytes(parsed.signature);
  if (signature?.length !== 32) return { ok: false, reason: "bad-signature" };
  const valid = await crypto.subtle.verify("HMAC", await hmacKey(key.secret), signature, canonical(parsed.claims));
  if (!valid) return { ok: false, reason: "bad-signature" };
  if (parsed.claims.expires * 1000 <= now) return { ok: false, reason: "expired" };
  return {
    ok: true,
    claims: parsed.claims,
    revision: revisionOfLink(parsed.claims, tenantPrefix(parsed.claims.tenant)),
  };
}

/** The revision a verified link names, in the shape the download response takes. */
function revisionOfLink(claims: LinkClaims, tenantPrefix: string): Revision {
  return {
    key: `${tenantPrefix}${claims.object}`,
    length: claims.length,
    md5: claims.md5,
    contentType: claims.contentType,
    lastModified: claims.lastModified,
    name: claims.name,
  };
}
