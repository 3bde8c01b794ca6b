import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { cachedPrincipal } from "../auth/authenticate";
import { parseBasicCredentials } from "../auth/basic-credentials";
import { ensureBootstrapAdmin } from "../auth/bootstrap";
import { verifyToken } from "../auth/tokens";
import { readConfig } from "../config";
import { bookmarkOf, createDb, type Database, sessionDb } from "../db/client";
import type { AppEnv } from "../env";
import { TOKEN_COOKIE } from "../http/cookies";
import { defaultRoute, type Route, refreshPlacement, routeTenant, tenantOfUserName } from "../shards/routing";
import { readTopology } from "../shards/topology";
import { limitLoginAttempt } from "./rate-limit";

/**
 * Routing (issue 19): every request that names a tenant (in its Basic login, its token, or its
 * login form) is served by that tenant's shard and region. `c.var.db` is a D1 session on the shard,
 * `c.var.route` names the shard and region (the bucket of its bytes).
 */

type Ctx = Context<AppEnv>;

/** The header that carries a D1 bookmark both ways (docs/api.md#read-replicas-and-bookmarks): `{shard}:{bookmark}`. */
export const BOOKMARK_HEADER = "X-D1-Bookmark";

/** The bookmark a client sent back, if it was given out by this shard (another shard's is ignored). */
function bookmarkFor(header: string | undefined, shard: number): string | undefined {
  const colon = header?.indexOf(":") ?? -1;
  if (header === undefined || colon < 1 || header.slice(0, colon) !== String(shard)) return undefined;
  return header.slice(colon + 1);
}

/** Serves the rest of the request from `route`: a D1 session on its shard. */
export function useRoute(c: Ctx, route: Route): Database {
  const db = sessionDb(route.shard.d1, bookmarkFor(c.req.header(BOOKMARK_HEADER), route.shard.no));
  c.set("route", route);
  c.set("db", db);
  return db;
}

/** A bearer token of an Authorization header (`Bearer <token>`), if that is what it holds. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^bearer[ ]+([^\s]+)\s*$/i.exec(authorization ?? "")?.[1];
}

/** The tenant a request claims to act in, before any credential is checked; undefined if none. */
async function claimedTenant(c: Ctx): Promise<string | undefined> {
  const authorization = c.req.header("Authorization");
  const token = bearerToken(authorization) ?? (authorization === undefined ? getCookie(c, TOKEN_COOKIE) : undefined);
  if (token !== undefined) {
    // Only a token signed by us names a tenant worth a directory read.
    const checked = await verifyToken(token, readConfig(c.env).tokenKeys, Date.now());
    return checked.ok ? checked.claims.ten : undefined;
  }
  const credentials = parseBasicCredentials(authorization);
  if (!credentials) return undefined;
  if (credentials.tenant !== undefined) return credentials.tenant;
  const cached = await cachedPrincipal(authorization ?? "");
  if (cached) return cached.tenant;
  // The name is looked up in every shard (a read each): an address over its limit of unverified logins is
  // refused before that, and the login's password check does not count it again.
  await limitLoginAttempt(c, c.req.header("CF-Connecting-IP"))();
  c.set("loginAttemptCounted", true);
  return tenantOfUserName(c.env, credentials.userName);
}

/** The route of a tenant, or the default route (the directory's shard) for a tenant nobody knows. */
export async function routeOf(env: Env, tenant: string | undefined): Promise<Route> {
  return (tenant !== undefined ? await routeTenant(env, tenant) : undefined) ?? defaultRoute(env);
}

/**
 * A password login's request moves to the shard of the tenant it logs into: the one its form names, or the one
 * holding the user name (a bare `user` login) when the form names none.
 */
export async function routeToLogin(c: Ctx, credentials: { tenant?: string; userName: string }): Promise<void> {
  const tenant = credentials.tenant ?? (await tenantOfUserName(c.env, credentials.userName));
  if (tenant !== c.var.route.tenant) useRoute(c, await routeOf(c.env, tenant));
}

/** The bootstrap admin (docs/api.md#authentication-and-login-throttle), made in the directory's shard on first use. */
function bootstrap(env: Env): Promise<void> {
  const directory = readTopology(env).directory.d1;
  return ensureBootstrapAdmin(createDb(directory), directory, env);
}

/**
 * Routes the request by the tenant it names, and returns the latest bookmark of the shard's
 * session (tagged with the shard's number).
 */
export const withRoute = createMiddleware<AppEnv>(async function withRoute(c, next) {
  await bootstrap(c.env);
  useRoute(c, await routeOf(c.env, await claimedTenant(c)));
  await next();
  const bookmark = bookmarkOf(c.var.db);
  if (bookmark === null) return;
  const value = `${c.var.route.shard.no}:${bookmark}`;
  try {
    c.res.headers.set(BOOKMARK_HEADER, value);
  } catch {
    // Some responses (e.g. straight from a cache) have immutable headers: copy them.
    c.res = new Response(c.res.body, c.res);
    c.res.headers.set(BOOKMARK_HEADER, value);
  }
});

/**
 * After a login failed on a remembered route: when the tenant has moved (or was deleted) since this
 * isolate learned where it lives, switches the request to the new route and returns true, so the
 * login is tried once more there.
 */
export async function rerouted(c: Ctx): Promise<boolean> {
  const route = await refreshPlacement(c.env, c.var.route);
  if (!route) return false;
  useRoute(c, route);
  return true;
}

/** A tenant's database for a request that acts on another tenant (a platform admin); undefined if unknown. */
export async function tenantDbOf(c: Ctx, tenant: string): Promise<Database | undefined> {
  if (c.var.route.tenant === tenant) return c.var.db;
  const route = await routeTenant(c.env, tenant);
  return route && createDb(route.shard.d1);
}
