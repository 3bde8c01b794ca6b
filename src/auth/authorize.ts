import type { Principal } from "./principal";

/** Whether the principal holds at least one of the roles. */
export function hasAnyRole(principal: Principal, roles: readonly string[]): boolean {
  return roles.some((role) => principal.roles.has(role));
}

/** The platform tenant, whose tenant admins manage the other tenants. */
export const MANAGEMENT_TENANT = "management";

/** Whether the principal administers tenants (a management-tenant user with the role). */
export function isPlatformAdmin(principal: Principal): boolean {
  return principal.tenant === MANAGEMENT_TENANT && principal.roles.has("ROLE_TENANT_MANAGEMENT_ADMIN");
}

/** Whether the principal may read tenants (a management-tenant user with the read or admin role). */
export function isPlatformReader(principal: Principal): boolean {
  return (
    principal.tenant === MANAGEMENT_TENANT &&
    (principal.roles.has("ROLE_TENANT_MANAGEMENT_ADMIN") || principal.roles.has("ROLE_TENANT_MANAGEMENT_READ"))
  );
}

/** Whether the principal may act inside `tenant`: its own, or any tenant for a platform admin. */
export function mayAccessTenant(principal: Principal, tenant: string): boolean {
  return tenant === principal.tenant || isPlatformAdmin(principal);
}
