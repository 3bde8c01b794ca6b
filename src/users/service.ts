/**
 * Users of a tenant and the current user (docs/api.md#tenants-users-roles, docs/api.md#current-user): every rule
 * about who may see, create, change or delete a user, grant or revoke a role, or change a password lives here.
 * Routes read the JSON body and render the result; this module checks the input (c8y/user-input), applies the
 * policy (auth/user-policy), calls the D1 queries (db/users) and keeps the login caches honest (a changed
 * password or role, a disabled or deleted user: cached logins are forgotten, login failures cleared).
 */
import { forgetCachedLogins } from "../auth/authenticate";
import { hasAnyRole } from "../auth/authorize";
import { checkCurrentPassword } from "../auth/current-password";
import { clearLoginFailures } from "../auth/login-throttle";
import { hashPassword } from "../auth/passwords";
import type { Principal } from "../auth/principal";
import { mayGrant, mayManage } from "../auth/user-policy";
import { Roles } from "../c8y/roles";
import {
  checkEmail,
  checkEnabled,
  checkPassword,
  checkProfileText,
  checkUserName,
  roleFromReference,
} from "../c8y/user-input";
import type { Database } from "../db/client";
import type { UserRow } from "../db/schema";
import { findTenant } from "../db/tenants";
import {
  countUsers,
  createUserIfAbsent,
  deleteUser,
  findUser,
  grantRole,
  listUsers,
  revokeRole,
  updateUser,
} from "../db/users";
import { forbidden, unauthorized, userConflict, userNotFound } from "../errors";

export type { UserRow };

type Body = Record<string, unknown>;

const noSuchUser = (userName: string) => userNotFound(`User '${userName}' not found.`);

/** The caller's own user: it may not delete or disable itself (it would lock itself out). */
const isSelf = (principal: { tenant: string; userName: string }, tenant: string, userName: string) =>
  principal.tenant === tenant && principal.userName === userName;

/** The profile fields of a user body; undefined where the body has none. */
function profileOf(body: Body) {
  return {
    email: checkEmail(body.email),
    firstName: checkProfileText(body.firstName, "firstName"),
    lastName: checkProfileText(body.lastName, "lastName"),
    phone: checkProfileText(body.phone, "phone", 40),
  };
}

/**
 * The user the caller is about to change or delete: 404 when unknown, 403 when it holds a role the
 * caller lacks (docs/api.md#tenants-users-roles, roles only flow downwards).
 */
async function manageableUser(db: Database, actor: Principal, tenant: string, userName: string): Promise<UserRow> {
  const user = await findUser(db, tenant, userName);
  if (!user) throw noSuchUser(userName);
  if (!mayManage(actor, user.roles)) throw forbidden("You cannot change a user with roles you do not hold.");
  return user;
}

/** 404 unless the tenant exists (the user API acts inside one tenant). */
export async function requireTenant(db: Database, tenant: string): Promise<void> {
  if (!(await findTenant(db, tenant))) throw userNotFound("Tenant not found.");
}

/** A page of a tenant's users, by user name; `prefix` narrows to names starting with it. */
export async function listTenantUsers(
  db: Database,
  tenant: string,
  page: { limit: number; offset: number; withTotal: boolean },
  prefix: string | undefined,
): Promise<{ rows: UserRow[]; total: number | undefined }> {
  const rows = await listUsers(db, tenant, page.limit, page.offset, prefix);
  const total = page.withTotal ? await countUsers(db, tenant, prefix) : undefined;
  return { rows, total };
}

/** Creates a user without roles from `{userName, password, email?, firstName?, …, enabled?}`; 409 when taken. */
export async function createTenantUser(db: Database, tenant: string, body: Body): Promise<UserRow> {
  const userName = checkUserName(body.userName);
  const passwordHash = await hashPassword(checkPassword(body.password));
  const created = await createUserIfAbsent(db, {
    tenant,
    userName,
    passwordHash,
    ...profileOf(body),
    enabled: checkEnabled(body.enabled),
    roles: [],
  });
  if (!created) throw userConflict(userName);
  return created;
}

/** One user, 404 when unknown. */
export async function getUser(db: Database, tenant: string, userName: string): Promise<UserRow> {
  const user = await findUser(db, tenant, userName);
  if (!user) throw noSuchUser(userName);
  return user;
}

/**
 * Changes a user's profile, password or enabled flag as `actor`. One's own password, here as on
 * /user/currentUser, only with the current one (an admin resetting another user's password needs none).
 */
export async function changeUser(
  db: Database,
  actor: Principal,
  tenant: string,
  userName: string,
  body: Body,
): Promise<UserRow> {
  await manageableUser(db, actor, tenant, userName);
  const password = body.password === undefined ? undefined : checkPassword(body.password);
  const enabled = checkEnabled(body.enabled);
  if (enabled === false && isSelf(actor, tenant, userName)) throw forbidden("You cannot disable yourself.");
  if (password !== undefined && isSelf(actor, tenant, userName))
    await checkCurrentPassword(db, tenant, userName, body.currentUserPassword);
  const change = {
    passwordHash: password === undefined ? undefined : await hashPassword(password),
    ...profileOf(body),
    enabled,
  };
  const updated = await updateUser(db, tenant, userName, change);
  if (!updated) throw noSuchUser(userName);
  if (password !== undefined || enabled === false) forgetCachedLogins(tenant, userName);
  if (password !== undefined) await clearLoginFailures(db, tenant, userName);
  return updated;
}

/** Deletes a user as `actor`; never oneself. */
export async function removeUser(db: Database, actor: Principal, tenant: string, userName: string): Promise<void> {
  if (isSelf(actor, tenant, userName)) throw forbidden("You cannot delete yourself.");
  await manageableUser(db, actor, tenant, userName);
  if (!(await deleteUser(db, tenant, userName))) throw noSuchUser(userName);
  forgetCachedLogins(tenant, userName);
}

/** Grants the role a role reference body names; roles only flow downwards. Returns the role. */
export async function grantUserRole(
  db: Database,
  actor: Principal,
  tenant: string,
  userName: string,
  body: Body,
): Promise<string> {
  const role = roleFromReference(body);
  await manageableUser(db, actor, tenant, userName);
  if (!mayGrant(actor, role)) throw forbidden(`You cannot grant ${role} (roles only flow downwards).`);
  await grantRole(db, tenant, userName, role);
  forgetCachedLogins(tenant, userName);
  return role;
}

/** Revokes one role; 404 when the user does not hold it. */
export async function revokeUserRole(
  db: Database,
  actor: Principal,
  tenant: string,
  userName: string,
  role: string,
): Promise<void> {
  await manageableUser(db, actor, tenant, userName);
  if (!(await revokeRole(db, tenant, userName, role))) {
    throw userNotFound(`User '${userName}' has no role '${role}'.`);
  }
  forgetCachedLogins(tenant, userName);
}

// --- the current user ---------------------------------------------------------------------------------------------

/** Changing one's own user needs ROLE_USER_MANAGEMENT_OWN_ADMIN or user management rights, as in the reference. */
function requireOwnAdmin(principal: Principal): void {
  if (!hasAnyRole(principal, [Roles.userManagementOwnAdmin, Roles.userManagementAdmin])) throw forbidden();
}

/** The caller's own row; a user deleted after its login was cached is as if the credentials were wrong. */
export async function currentUser(db: Database, principal: Principal): Promise<UserRow> {
  const user = await findUser(db, principal.tenant, principal.userName);
  if (!user) throw unauthorized("Basic");
  return user;
}

/**
 * Changes the caller's own profile or password. Read-only fields (id, userName, roles, effectiveRoles,
 * enabled, ...) are ignored, as clients send them back. A new password needs the current one, as PUT
 * /password does: a stolen session (a token, a cookie) must not be enough to take the account over.
 */
export async function changeCurrentUser(
  db: Database,
  principal: Principal,
  readBody: () => Promise<Body>,
): Promise<UserRow> {
  const { tenant, userName } = principal;
  requireOwnAdmin(principal);
  const body = await readBody();
  const password = body.password === undefined ? undefined : checkPassword(body.password);
  if (password !== undefined) await checkCurrentPassword(db, tenant, userName, body.currentUserPassword);
  const updated = await updateUser(db, tenant, userName, {
    ...profileOf(body),
    passwordHash: password === undefined ? undefined : await hashPassword(password),
  });
  if (!updated) throw unauthorized("Basic");
  if (password !== undefined) {
    forgetCachedLogins(tenant, userName);
    await clearLoginFailures(db, tenant, userName);
  }
  return updated;
}

/** `{currentUserPassword, newPassword}`: the current password must match (422 otherwise). */
export async function changeCurrentPassword(
  db: Database,
  principal: Principal,
  readBody: () => Promise<Body>,
): Promise<void> {
  const { tenant, userName } = principal;
  requireOwnAdmin(principal);
  const body = await readBody();
  const newPassword = checkPassword(body.newPassword, "newPassword");
  await checkCurrentPassword(db, tenant, userName, body.currentUserPassword);
  await updateUser(db, tenant, userName, { passwordHash: await hashPassword(newPassword) });
  forgetCachedLogins(tenant, userName);
  await clearLoginFailures(db, tenant, userName);
}
