import { createMiddleware } from "hono/factory";
import { ApiError } from "../errors";
import type { AppEnv, Principal } from "../env";

/** 403 in the Cumulocity shape. */
export const forbidden = () => new ApiError(403, "security/Forbidden", "Access is denied");

/** Whether the principal holds at least one of the roles. */
export function hasAnyRole(principal: Principal, roles: readonly string[]): boolean {
  return roles.some((role) => principal.roles.has(role));
}

/**
 * May you: a middleware factory that lets a request through only when the authenticated
 * principal holds one of `roles`. The role list is checked once, when the route is built.
 */
export function requireAnyRole(...roles: string[]) {
  if (roles.length === 0) throw new Error("requireAnyRole needs at least one role");
  return createMiddleware<AppEnv>(async function requireAnyRole(c, next) {
    if (!hasAnyRole(c.var.principal, roles)) throw forbidden();
    await next();
  });
}
