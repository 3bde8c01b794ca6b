import type { LinkKey } from "../config";
import { type Database, readYourWrites } from "../db/client";
import type { UserRow } from "../db/schema";
import { deleteSession, extendSession, findSessionWithUser, insertSession } from "../db/sessions";
import { invalidToken, tokensNotConfigured, xsrfMismatch } from "../errors";
import { bytesToBase64 } from "../utils/base64";
import { CredentialCache } from "./credential-cache";
import { timingSafeEqual } from "./passwords";
import type { Principal } from "./principal";
import { randomToken, signToken, type TokenClaims, verifyToken } from "./tokens";

/**
 * Token sessions (docs/api.md#token-login). A login opens a session row and hands out a token
 * naming it. A request with the token costs no PBKDF2: the signature is checked on every request
 * (an HMAC), and the session row with its user is read (one D1 statement) at most once per
 * AUTH_RECHECK_SECONDS per isolate, exactly like a cached Basic login. The re-check takes the
 * user's current roles and refuses the token once the session was ended (logout), the user deleted
 * or disabled, its password changed, or its tenant deleted.
 */

/** A session as an isolate remembers it between re-checks. */
interface CachedSession {
  principal: Principal;
  checkedAt: number;
}

const sessionCache = new CredentialCache<CachedSession>(60_000, 10_000);

/** Drops this isolate's memory of a user's sessions (or a tenant's); other isolates re-check. */
export function forgetCachedSessions(tenant: string, userName?: string): void {
  sessionCache.deleteWhere(
    ({ principal: p }) => p.tenant === tenant && (userName === undefined || p.userName === userName),
  );
}

/** What a session row keeps of the password hash it was opened under: a digest, never the hash itself. */
async function passwordStamp(passwordHash: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(passwordHash));
  return bytesToBase64(new Uint8Array(digest));
}

/** A new session's token and what the cookie flow hands out with it. */
export interface IssuedToken {
  token: string;
  xsrfToken: string;
  /** Milliseconds since the epoch. */
  expires: number;
}

/** How tokens are made and trusted. */
export interface TokenSettings {
  keys: readonly LinkKey[];
  lifetimeMs: number;
  /** A cookie session with less than this left is renewed at its next re-check. */
  renewBeforeMs: number;
  /** A remembered session older than this is re-checked against its row (AUTH_RECHECK_SECONDS). */
  recheckMs: number;
  /** The token's `iss`: the host name the client logged in at. */
  issuer: string;
  now?: number;
}

function signingKey(settings: TokenSettings): LinkKey {
  const key = settings.keys[0];
  if (!key) throw tokensNotConfigured();
  return key;
}

async function tokenFor(claims: Omit<TokenClaims, "iat" | "nbf" | "exp">, settings: TokenSettings, now: number) {
  const iat = Math.floor(now / 1000);
  const exp = Math.floor((now + settings.lifetimeMs) / 1000);
  const token = await signToken({ ...claims, iat, nbf: iat, exp }, signingKey(settings));
  return { token, expires: exp * 1000 };
}

/** Opens a session for a user whose password was just verified; returns its token. */
export async function openSession(db: Database, user: UserRow, settings: TokenSettings): Promise<IssuedToken> {
  const now = settings.now ?? Date.now();
  signingKey(settings); // no row for a login that cannot be signed
  const id = randomToken();
  const xsrfToken = randomToken();
  const claims = { iss: settings.issuer, sub: user.userName, ten: user.tenant, jti: id, xsrfToken, tfa: false };
  const issued = await tokenFor(claims, settings, now);
  await insertSession(db, {
    id,
    tenant: user.tenant,
    userName: user.userName,
    passwordStamp: await passwordStamp(user.passwordHash),
    createdMs: now,
    expiresMs: issued.expires,
  });
  return { ...issued, xsrfToken };
}

/** How a request presented its token. */
export type TokenCarrier = { via: "bearer" } | { via: "cookie"; xsrfHeader: string | undefined };

/** The caller of a token request, and a renewed token when a cookie session was renewed. */
export interface TokenAuthentication {
  principal: Principal;
  renewed?: IssuedToken;
}

const sessionKey = (tenant: string, userName: string, id: string) => JSON.stringify([tenant, userName, id]);

const encoder = new TextEncoder();
const sameText = (a: string, b: string) => timingSafeEqual(encoder.encode(a), encoder.encode(b));

/**
 * Who are you, for a token: checks the token (signature, key, expiry), for the cookie flow the
 * X-XSRF-TOKEN header against the token's `xsrfToken`, then the session (from this isolate's
 * memory within the recheck interval, else from its row). Throws 401 on any failure.
 */
export async function authenticateToken(
  db: Database,
  token: string,
  carrier: TokenCarrier,
  settings: TokenSettings,
): Promise<TokenAuthentication> {
  const now = settings.now ?? Date.now();
  const checked = await verifyToken(token, settings.keys, now);
  if (!checked.ok) throw invalidToken();
  const { claims } = checked;
  if (carrier.via === "cookie" && !(carrier.xsrfHeader && sameText(carrier.xsrfHeader, claims.xsrfToken))) {
    throw xsrfMismatch();
  }
  // Every claim that names whose session this is is part of the key: a cached session is only found
  // by a token that names the same tenant, user and session.
  const key = sessionKey(claims.ten, claims.sub, claims.jti);
  const cached = sessionCache.get(key, now);
  if (cached && now - cached.checkedAt < settings.recheckMs) return { principal: cached.principal };

  const found = await readYourWrites(db, (d) => findSessionWithUser(d, claims.ten, claims.jti));
  const stands =
    found?.user.enabled === true &&
    found.user.userName === claims.sub &&
    found.session.passwordStamp === (await passwordStamp(found.user.passwordHash));
  if (!stands) {
    sessionCache.delete(key);
    throw invalidToken();
  }
  const { user, session } = found;
  const principal: Principal = {
    tenant: user.tenant,
    userName: user.userName,
    userId: user.uid,
    roles: new Set(user.roles),
    session: session.id,
  };
  sessionCache.set(key, { principal, checkedAt: now }, now);
  if (carrier.via !== "cookie" || claims.exp * 1000 - now >= settings.renewBeforeMs) return { principal };
  const renewed = await tokenFor(claims, settings, now);
  await extendSession(db, session.id, renewed.expires);
  return { principal, renewed: { ...renewed, xsrfToken: claims.xsrfToken } };
}

/** Ends a session everywhere (its row) and in this isolate's memory. */
export async function closeSession(db: Database, principal: Principal): Promise<void> {
  if (principal.session === undefined) return;
  await deleteSession(db, principal.tenant, principal.session);
  sessionCache.delete(sessionKey(principal.tenant, principal.userName, principal.session));
}
