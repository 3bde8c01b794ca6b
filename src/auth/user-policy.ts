import { Roles } from "../c8y/roles";
import { isPlatformAdmin } from "./authorize";
import type { Principal } from "./principal";

/**
 * Roles only flow downwards (docs/api.md#tenants-users-roles): a user may grant a role only if it holds that role
 * itself, and ROLE_TENANT_MANAGEMENT_ADMIN (which makes a management-tenant user a platform admin)
 * only as a platform admin. Cumulocity's user hierarchy has the same rule: a user has at most the
 * permissions of the user who manages it.
 */
export function mayGrant(actor: Principal, role: string): boolean {
  if (!actor.roles.has(role)) return false;
  return role !== Roles.tenantManagementAdmin || isPlatformAdmin(actor);
}

/**
 * Whether `actor` may change the password, email, roles or enabled flag of a user holding
 * `targetRoles`, or delete it: only when the target holds no role the actor lacks, so nobody
 * takes over a user with more privileges than their own.
 */
export function mayManage(actor: Principal, targetRoles: readonly string[]): boolean {
  return targetRoles.every((role) => actor.roles.has(role));
}
