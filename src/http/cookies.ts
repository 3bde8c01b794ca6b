/**
 * The cookies of the token login's cookie flow (docs/api.md#token-login): `authorization` holds
 * the token and is HttpOnly, so no script on the page can read it; `XSRF-TOKEN` is readable, so the
 * page can echo it in the X-XSRF-TOKEN header, which a cross-site form or link cannot send.
 */
export const TOKEN_COOKIE = "authorization";
export const XSRF_COOKIE = "XSRF-TOKEN";
export const XSRF_HEADER = "X-XSRF-TOKEN";

/** Flags both cookies share. */
export interface CookieFlags {
  path: "/";
  sameSite: "Strict";
  secure: boolean;
}

/**
 * `Secure` everywhere except plain http on the local machine (`npm start`, the e2e tests), where a
 * browser would otherwise drop the cookie. SameSite=Strict: cross-site requests never carry them.
 */
export function cookieFlags(url: URL): CookieFlags {
  const local = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname) || url.hostname.endsWith(".localhost");
  return { path: "/", sameSite: "Strict", secure: !(url.protocol === "http:" && local) };
}
