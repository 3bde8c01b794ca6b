import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import type { IssuedToken } from "../auth/token-sessions";
import type { AppEnv } from "../env";
import { cookieFlags, TOKEN_COOKIE, XSRF_COOKIE } from "../http/cookies";

/** Sets the two cookies of a cookie-flow login (or renewal): the token HttpOnly, the XSRF token readable. */
export function setSessionCookies(c: Context<AppEnv>, issued: IssuedToken, now = Date.now()): void {
  const flags = cookieFlags(new URL(c.req.url));
  const maxAge = Math.max(0, Math.floor((issued.expires - now) / 1000));
  setCookie(c, TOKEN_COOKIE, issued.token, { ...flags, httpOnly: true, maxAge });
  setCookie(c, XSRF_COOKIE, issued.xsrfToken, { ...flags, maxAge });
}

/** Tells the browser to drop both cookies (logout). */
export function clearSessionCookies(c: Context<AppEnv>): void {
  const flags = cookieFlags(new URL(c.req.url));
  deleteCookie(c, TOKEN_COOKIE, { ...flags, httpOnly: true });
  deleteCookie(c, XSRF_COOKIE, flags);
}
