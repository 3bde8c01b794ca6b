/**
 * Role ids, as Cumulocity names them (docs/api.md#tenants-users-roles). Each grants here exactly what its name says
 * in the reference, restricted to the endpoints this service has; other platform roles (alarms,
 * events, ...) would grant nothing here and are refused rather than silently stored.
 */
export const Roles = {
  inventoryRead: "ROLE_INVENTORY_READ",
  inventoryCreate: "ROLE_INVENTORY_CREATE",
  inventoryAdmin: "ROLE_INVENTORY_ADMIN",
  /**
   * The binary roles of platform versions since 10.18: on binaries they act exactly like the
   * inventory roles of the same level (docs/api.md#tenants-users-roles), and here every managed object is a binary.
   */
  binaryRead: "ROLE_BINARY_READ",
  binaryCreate: "ROLE_BINARY_CREATE",
  binaryAdmin: "ROLE_BINARY_ADMIN",
  /** Read the users of one's own tenant. */
  userManagementRead: "ROLE_USER_MANAGEMENT_READ",
  /** Read one's own user (every logged-in user may; the role is accepted for compatibility). */
  userManagementOwnRead: "ROLE_USER_MANAGEMENT_OWN_READ",
  /** Change one's own name, email, phone and password through /user/currentUser. */
  userManagementOwnAdmin: "ROLE_USER_MANAGEMENT_OWN_ADMIN",
  userManagementAdmin: "ROLE_USER_MANAGEMENT_ADMIN",
  /** In the management tenant: list and read tenants. */
  tenantManagementRead: "ROLE_TENANT_MANAGEMENT_READ",
  tenantManagementAdmin: "ROLE_TENANT_MANAGEMENT_ADMIN",
} as const;

/** Roles that read every binary of the tenant. */
export const READ_BINARIES: readonly string[] = [
  Roles.inventoryRead,
  Roles.inventoryAdmin,
  Roles.binaryRead,
  Roles.binaryAdmin,
];
/** Roles that may create binaries. */
export const CREATE_BINARIES: readonly string[] = [
  Roles.inventoryCreate,
  Roles.inventoryAdmin,
  Roles.binaryCreate,
  Roles.binaryAdmin,
];
/** Roles that may change and delete every binary of the tenant. */
export const ADMIN_BINARIES: readonly string[] = [Roles.inventoryAdmin, Roles.binaryAdmin];

/** Every role a tenant's first admin receives. */
export const ALL_ROLES: readonly string[] = Object.values(Roles);
