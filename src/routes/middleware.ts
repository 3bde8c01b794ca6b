import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import { authenticate as authenticateRequest } from "../auth/authenticate";
import { hasAnyRole, isPlatformAdmin, isPlatformReader, mayAccessTenant } from "../auth/authorize";
import { parseBasicCredentials } from "../auth/basic-credentials";
import { authenticateToken, type TokenCarrier, type TokenSettings } from "../auth/token-sessions";
import { readConfig } from "../config";
import type { AppEnv } from "../env";
import { ApiError, forbidden, userNotFound } from "../errors";
import { TOKEN_COOKIE, XSRF_HEADER } from "../http/cookies";
import {
  CORS_ALLOW_HEADERS,
  CORS_ALLOW_METHODS,
  CORS_EXPOSE_HEADERS,
  CORS_MAX_AGE_SECONDS,
  originMatcher,
} from "../http/cors";
import { limitLoginAttempt } from "./rate-limit";
import { bearerToken, rerouted } from "./routing";
import { setSessionCookies } from "./session-cookies";

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

/**
 * Authentication: resolves the caller to `c.var.principal`, or answers 401/429. Three ways in
 * (docs/api.md#authentication-and-login-throttle and "Token login"): `Authorization: Basic …`; `Authorization: Bearer
 * <token>`; without an Authorization header, the `authorization` cookie together with X-XSRF-TOKEN. A renewed
 * cookie session gets its fresh cookies on the response.
 */
export const authenticate = createMiddleware<AppEnv>(async function authenticate(c, next) {
  let renewed: Awaited<ReturnType<typeof identify>>["renewed"];
  try {
    ({ renewed } = await identify(c));
  } catch (error) {
    // A tenant moved or deleted since this isolate learned its shard: its old shard no longer knows
    // the login, so the directory is read again and, when the tenant moved, the login tried there.
    if (!(error instanceof ApiError && error.status === 401 && (await rerouted(c)))) throw error;
    ({ renewed } = await identify(c));
  }
  await next();
  if (renewed) setSessionCookies(c, renewed);
});

/** Resolves the caller to `c.var.principal` (see `authenticate`). */
async function identify(c: Context<AppEnv>) {
  const authorization = c.req.header("Authorization");
  const bearer = bearerToken(authorization);
  const cookie = authorization === undefined ? getCookie(c, TOKEN_COOKIE) : undefined;
  if (bearer !== undefined || cookie) {
    const carrier: TokenCarrier =
      bearer !== undefined ? { via: "bearer" } : { via: "cookie", xsrfHeader: c.req.header(XSRF_HEADER) };
    const { principal, renewed } = await authenticateToken(c.var.db, bearer ?? cookie!, carrier, tokenSettingsOf(c));
    c.set("principal", principal);
    return { renewed };
  }
  const clientAddress = c.req.header("CF-Connecting-IP");
  const input = {
    authorization,
    clientAddress,
    useXBasic: c.req.header("UseXBasic")?.toLowerCase() === "true",
    // A login without a tenant was routed to the only tenant with that user name, if there is one.
    loginTenant: c.var.route.tenant ?? null,
    // A login naming a tenant was routed by the directory: no route tenant means no such tenant.
    unknownTenant: parseBasicCredentials(authorization)?.tenant !== undefined && c.var.route.tenant === undefined,
    beforeCheck: c.var.loginAttemptCounted ? undefined : limitLoginAttempt(c, clientAddress),
  };
  // The bootstrap admin is made by the routing middleware, in the directory's shard.
  const principal = await authenticateRequest(c.var.db, c.var.route.shard.d1, {}, input, {
    recheckMs: readConfig(c.env).authRecheckMs,
  });
  c.set("principal", principal);
  return { renewed: undefined };
}

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
