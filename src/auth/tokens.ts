import { decode, sign, verify } from "hono/jwt";
import type { LinkKey } from "../config";
import { bytesToBase64Url } from "../utils/base64";

/**
 * Login tokens (docs/api.md#token-login): JWTs signed with HMAC-SHA256 (HS256) under a key id
 * (`kid`), so keys rotate like the link keys. hono's JWT helpers do the encoding, the `alg` pinning
 * (a token must name HS256; `none` and every other algorithm are refused) and the signature check;
 * this module picks the key by `kid`, requires an expiry and checks it against the caller's clock.
 * A valid signature only says who logged in and when: whether the session still stands is decided
 * by its row (token-sessions.ts).
 */

/** The claims clients read (the platform's names): user, tenant, XSRF token, two-factor flag, issuer, expiry. */
export interface TokenClaims {
  iss: string;
  sub: string;
  ten: string;
  /** The session id: the row that logout deletes. */
  jti: string;
  xsrfToken: string;
  tfa: boolean;
  /** Seconds since the epoch. */
  iat: number;
  nbf: number;
  exp: number;
}

export const TOKEN_ALGORITHM = "HS256";

const keys = new Map<string, Promise<CryptoKey>>();

/** The HMAC key of a secret, imported once per isolate. */
function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    const raw = new TextEncoder().encode(secret);
    key = crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    keys.set(secret, key);
  }
  return key;
}

/** A signed token for `claims`; the header names `key.id` as its `kid`. */
export async function signToken(claims: TokenClaims, key: LinkKey): Promise<string> {
  // A JWK with `alg` and `kid` makes hono put both into the header.
  const jwk = {
    kty: "oct",
    k: bytesToBase64Url(new TextEncoder().encode(key.secret)),
    alg: TOKEN_ALGORITHM,
    kid: key.id,
  };
  return sign({ ...claims }, jwk, TOKEN_ALGORITHM);
}

/** Why a token was refused; each is decided without storage. */
export type TokenRejection = "malformed" | "algorithm" | "unknown-key" | "bad-signature" | "expired" | "claims";

const isText = (value: unknown): value is string => typeof value === "string" && value.length > 0;
const isTime = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value);

function claimsOf(payload: Record<string, unknown>): TokenClaims | undefined {
  const { iss, sub, ten, jti, xsrfToken, tfa, iat, nbf, exp } = payload;
  if (!isText(iss) || !isText(sub) || !isText(ten) || !isText(jti) || !isText(xsrfToken)) return undefined;
  if (typeof tfa !== "boolean" || !isTime(iat) || !isTime(nbf) || !isTime(exp)) return undefined;
  return { iss, sub, ten, jti, xsrfToken, tfa, iat, nbf, exp };
}

/** Checks a token: HS256, a key we hold, a valid signature, all claims present, not expired. `now` in ms. */
export async function verifyToken(
  token: string,
  keyring: readonly LinkKey[],
  now: number,
): Promise<{ ok: true; claims: TokenClaims } | { ok: false; reason: TokenRejection }> {
  let header: Record<string, unknown>;
  try {
    header = decode(token).header as unknown as Record<string, unknown>;
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (header.alg !== TOKEN_ALGORITHM) return { ok: false, reason: "algorithm" };
  const key = keyring.find((candidate) => candidate.id === header.kid);
  if (!key) return { ok: false, reason: "unknown-key" };
  let payload: Record<string, unknown>;
  try {
    // Time claims are checked below against `now`, so tests and callers share one clock.
    const options = { alg: TOKEN_ALGORITHM, exp: false, nbf: false, iat: false } as const;
    payload = (await verify(token, await hmacKey(key.secret), options)) as Record<string, unknown>;
  } catch {
    return { ok: false, reason: "bad-signature" };
  }
  const claims = claimsOf(payload);
  if (!claims) return { ok: false, reason: "claims" };
  if (claims.exp * 1000 <= now) return { ok: false, reason: "expired" };
  return { ok: true, claims };
}

/** A fresh random value for session ids and XSRF tokens (128 bits, base64url). */
export function randomToken(): string {
  return bytesToBase64Url(crypto.getRandomValues(new Uint8Array(16)));
}
