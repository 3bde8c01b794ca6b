import type { UserRow } from "../db/schema";
import type { TenantRow } from "../db/tenants";

/** A role as Cumulocity lists it. */
export function roleJson(origin: string, role: string) {
  return { id: role, name: role, self: `${origin}/user/roles/${role}` };
}

/** A user's reference to one of its roles. */
export function roleReferenceJson(origin: string, tenant: string, userName: string, role: string) {
  return { self: `${userUrl(origin, tenant, userName)}/roles/${role}`, role: roleJson(origin, role) };
}

function userUrl(origin: string, tenant: string, userName: string): string {
  return `${origin}/user/${encodeURIComponent(tenant)}/users/${encodeURIComponent(userName)}`;
}

/** A user as Cumulocity's user API shows it; never the password or its hash. */
export function userJson(origin: string, user: UserRow) {
  const self = userUrl(origin, user.tenant, user.userName);
  return {
    id: user.userName,
    self,
    userName: user.userName,
    email: user.email ?? undefined,
    firstName: user.firstName ?? undefined,
    lastName: user.lastName ?? undefined,
    phone: user.phone ?? undefined,
    enabled: user.enabled,
    lastPasswordChange: user.lastPasswordChange ?? undefined,
    roles: {
      self: `${self}/roles`,
      references: user.roles.map((role) => roleReferenceJson(origin, user.tenant, user.userName, role)),
    },
  };
}

/**
 * The caller as GET /user/currentUser shows it (docs/api.md#current-user): the user's fields
 * plus `effectiveRoles`, which the reference's currentUser representation carries and the Python
 * SDK and go-c8y-cli read. Both media types of that URL get the same body.
 */
export function currentUserJson(origin: string, user: UserRow) {
  return {
    ...userJson(origin, user),
    self: `${origin}/user/currentUser`,
    shouldResetPassword: false,
    effectiveRoles: user.roles.map((role) => roleJson(origin, role)),
  };
}

/** A tenant as the tenant API shows it. */
export function tenantJson(origin: string, tenant: TenantRow & { storageQuota?: number | null; regionName?: string }) {
  return {
    id: tenant.id,
    self: `${origin}/tenant/tenants/${encodeURIComponent(tenant.id)}`,
    company: tenant.company ?? undefined,
    domain: tenant.domain ?? undefined,
    status: "ACTIVE",
    creationTime: tenant.creationTime,
    // docs/api.md#usage-and-quotas: bytes, null = unlimited.
    storageQuota: tenant.storageQuota ?? null,
    // Where the tenant's data is kept (issue 19): one of the deployment's region names.
    region: tenant.regionName,
  };
}
