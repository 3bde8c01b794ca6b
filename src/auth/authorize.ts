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

/** The platform tenant, whose tenant admins manage the other tenants. */
export const MANAGEMENT_TENANT = "management";

/** Whether the principal administers tenants (a management-tenant user with the role). */
export function isPlatformAdmin(principal: Principal): boolean {
  return principal.tenant === MANAGEMENT_TENANT && principal.roles.has("ROLE_TENANT_MANAGEMENT_ADMIN");
}

/**
 * May you act inside the tenant named by the route parameter `param`: your own tenant, or any
 * tenant for a platform admin. Another tenant is a 404, as for binaries, so its existence stays hidden.
 */
export function requireTenantAccess(param: string) {
  return createMiddleware<AppEnv>(async function requireTenantAccess(c, next) {
    const tenant = c.req.param(param);
    if (tenant !== c.var.principal.tenant && !isPlatformAdmin(c.var.principal)) {
      throw new ApiError(404, "user/Not Found", `Tenant '${tenant}' not found.`);
    }
    await next();
  });
}
