import { createMiddleware } from "hono/factory";
import { authenticate as authenticateRequest } from "../auth/authenticate";
import { hasAnyRole, isPlatformAdmin, mayAccessTenant } from "../auth/authorize";
import { createDb } from "../db/client";
import type { AppEnv } from "../env";
import { forbidden, userNotFound } from "../errors";

/** Hands each request a drizzle client as `c.var.db`. */
export const withDb = createMiddleware<AppEnv>(async function withDb(c, next) {
  c.set("db", createDb(c.env.DB));
  await next();
});

/** Authentication: resolves the Authorization header to `c.var.principal`, or answers 401/429. */
export const authenticate = createMiddleware<AppEnv>(async function authenticate(c, next) {
  const principal = await authenticateRequest(c.var.db, c.env.DB, c.env, {
    authorization: c.req.header("Authorization"),
    useXBasic: c.req.header("UseXBasic")?.toLowerCase() === "true",
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
