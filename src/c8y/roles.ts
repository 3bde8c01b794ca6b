/** Role ids, as Cumulocity names them. */
export const Roles = {
  inventoryRead: "ROLE_INVENTORY_READ",
  inventoryCreate: "ROLE_INVENTORY_CREATE",
  inventoryAdmin: "ROLE_INVENTORY_ADMIN",
  userManagementAdmin: "ROLE_USER_MANAGEMENT_ADMIN",
  tenantManagementAdmin: "ROLE_TENANT_MANAGEMENT_ADMIN",
} as const;

/** Every role a tenant's first admin receives. */
export const ALL_ROLES: readonly string[] = Object.values(Roles);
