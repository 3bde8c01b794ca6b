import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import { authenticate as authenticateRequest } from "../auth/authenticate";
import { hasAnyRole, isPlatformAdmin, isPlatformReader, mayAccessTenant } from "../auth/authorize";
import { authenticateToken, type TokenCarrier, type TokenSettings } from "../auth/token-sessions";
import { readConfig } from "../config";
import { bookmarkOf, sessionDb } from "../db/client";
import type { AppEnv } from "../env";
import { forbidden, userNotFound } from "../errors";
import { TOKEN_COOKIE, XSRF_HEADER } from "../http/cookies";
import {
  CORS_ALLOW_HEADERS,
  CORS_ALLOW_METHODS,
  CORS_EXPOSE_HEADERS,
  CORS_MAX_AGE_SECONDS,
  originMatcher,
} from "../http/cors";
import { setSessionCookies } from "./session-cookies";

/** The header that carries a D1 bookmark both ways (docs/api.md#read-replicas-and-bookmarks). */
export const BOOKMARK_HEADER = "X-D1-Bookmark";

/**
 * Hands each request a drizzle client over one D1 session as `c.var.db`, starting after the
 * bookmark the client sent back (if any), and returns the session's latest bookmark.
 */
export const withDb = createMiddleware<AppEnv>(async function withDb(c, next) {
  const db = sessionDb(c.env.DB, c.req.header(BOOKMARK_HEADER));
  c.set("db", db);
  await next();
  const bookmark = bookmarkOf(db);
  if (bookmark === null) return;
  try {
    c.res.headers.set(BOOKMARK_HEADER, bookmark);
  } catch {
    // Some responses (e.g. straight from a cache) have immutable headers: copy them.
    c.res = new Response(c.res.body, c.res);
    c.res.headers.set(BOOKMARK_HEADER, bookmark);
  }
});

/** The settings token sessions are checked and renewed with, for this request. */
export function tokenSettingsOf(c: Context<AppEnv>): TokenSettings {
  const config = readConfig(c.env);
  return {
    keys: config.tokenKeys,
    lifetimeMs: config.tokenLifetimeMs,
    renewBeforeMs: config.tokenRenewBeforeMs,
    recheckMs: config.authRecheckMs,
    issuer: new URL(c.req.url).hostname,
  };
}

/** A bearer token of an Authorization header (`Bearer <token>`), if that is what it holds. */
function bearerToken(authorization: string | undefined): string | undefined {
  return /^bearer[ ]+([^\s]+)\s*$/i.exec(authorization ?? "")?.[1];
}

/**
 * Authentication: resolves the caller to `c.var.principal`, or answers 401/429. Three ways in
 * (docs/api.md#authentication-and-login-throttle and "Token login"): `Authorization: Basic …`; `Authorization: Bearer
 * <token>`; without an Authorization header, the `authorization` cookie together with X-XSRF-TOKEN. A renewed
 * cookie session gets its fresh cookies on the response.
 */
export const authenticate = createMiddleware<AppEnv>(async function authenticate(c, next) {
  const authorization = c.req.header("Authorization");
  const bearer = bearerToken(authorization);
  const cookie = authorization === undefined ? getCookie(c, TOKEN_COOKIE) : undefined;
  if (bearer !== undefined || cookie) {
    const carrier: TokenCarrier =
      bearer !== undefined ? { via: "bearer" } : { via: "cookie", xsrfHeader: c.req.header(XSRF_HEADER) };
    const { principal, renewed } = await authenticateToken(c.var.db, bearer ?? cookie!, carrier, tokenSettingsOf(c));
    c.set("principal", principal);
    await next();
    if (renewed) setSessionCookies(c, renewed);
    return;
  }
  const input = {
    authorization,
    clientAddress: c.req.header("CF-Connecting-IP"),
    useXBasic: c.req.header("UseXBasic")?.toLowerCase() === "true",
  };
  const principal = await authenticateRequest(c.var.db, c.env.DB, c.env, input, {
    recheckMs: readConfig(c.env).authRecheckMs,
  });
  c.set("principal", principal);
  await next();
});

/**
 * Authorization: lets a request through only when the principal holds one of `roles`. The role
 * list is checked once, when the route is built.
 */
export function requireAnyRole(...roles: string[]) {
  if (roles.length === 0) throw new Error("requireAnyRole needs at least one role");
  return createMiddleware<AppEnv>(async function requireAnyRole(c, next) {
    if (!hasAnyRole(c.var.principal, roles)) throw forbidden();
    await next();
  });
}

/** Authorization: only platform admins (tenant admins of the management tenant). */
export const requirePlatformAdmin = createMiddleware<AppEnv>(async function requirePlatformAdmin(c, next) {
  if (!isPlatformAdmin(c.var.principal)) throw forbidden();
  await next();
});

const isRead = (method: string) => method === "GET" || method === "HEAD";

/**
 * Authorization by method: GET and HEAD need one of `read` (e.g. ROLE_USER_MANAGEMENT_READ), every
 * other method one of `write`. A read role never lets a request that changes anything through.
 */
export function requireRolesByMethod(roles: { read: readonly string[]; write: readonly string[] }) {
  return createMiddleware<AppEnv>(async function requireRolesByMethod(c, next) {
    if (!hasAnyRole(c.var.principal, isRead(c.req.method) ? roles.read : roles.write)) throw forbidden();
    await next();
  });
}

/** Authorization for /tenant/tenants: platform admins, and for GET/HEAD also platform readers. */
export const requirePlatformRights = createMiddleware<AppEnv>(async function requirePlatformRights(c, next) {
  const allowed = isRead(c.req.method) ? isPlatformReader(c.var.principal) : isPlatformAdmin(c.var.principal);
  if (!allowed) throw forbidden();
  await next();
});

/**
 * Authorization: the tenant named by the route parameter `param` must be the caller's own (any
 * tenant for a platform admin). Another tenant is a 404, as for binaries, so its existence stays hidden.
 */
export function requireTenantAccess(param: string) {
  return createMiddleware<AppEnv>(async function requireTenantAccess(c, next) {
    const tenant = c.req.param(param) ?? "";
    if (!mayAccessTenant(c.var.principal, tenant)) throw userNotFound(`Tenant '${tenant}' not found.`);
    await next();
  });
}

interface CorsSetup {
  middleware: ReturnType<typeof cors>;
  allowOrigin: (origin: string) => string | undefined;
}

const corsBySetting = new Map<string, CorsSetup>();

/** hono's CORS middleware for an allowed-origins setting, built once per setting. */
function corsFor(setting: string): CorsSetup {
  let setup = corsBySetting.get(setting);
  if (!setup) {
    const matcher = originMatcher(setting);
    const allowOrigin = matcher === "*" ? () => "*" : matcher;
    const middleware = cors({
      origin: matcher === "*" ? "*" : (origin) => matcher(origin) ?? null,
      allowMethods: [...CORS_ALLOW_METHODS],
      allowHeaders: [...CORS_ALLOW_HEADERS],
      exposeHeaders: [...CORS_EXPOSE_HEADERS],
      maxAge: CORS_MAX_AGE_SECONDS,
    });
    setup = { middleware, allowOrigin };
    corsBySetting.set(setting, setup);
  }
  return setup;
}

/**
 * CORS (docs/api.md#cors), first in the chain: a preflight (OPTIONS with
 * Access-Control-Request-Method) is answered here, before authentication, and every other response,
 * errors included, carries Access-Control-Allow-Origin and -Expose-Headers. An OPTIONS that is not
 * a preflight (a tus client asking for the server's capabilities) goes on to the routes; hono's
 * middleware would answer it itself, so its headers are added here instead.
 */
export const crossOrigin = createMiddleware<AppEnv>(async function crossOrigin(c, next) {
  const { middleware, allowOrigin } = corsFor(readConfig(c.env).corsAllowedOrigins);
  if (c.req.method !== "OPTIONS" || c.req.header("Access-Control-Request-Method") !== undefined) {
    return middleware(c, next);
  }
  await next();
  const origin = c.req.header("Origin");
  const allowed = origin === undefined ? undefined : allowOrigin(origin);
  if (allowed === undefined) return;
  c.header("Access-Control-Allow-Origin", allowed);
  c.header("Access-Control-Expose-Headers", CORS_EXPOSE_HEADERS.join(","));
  if (allowed !== "*") c.header("Vary", "Origin", { append: true });
});
