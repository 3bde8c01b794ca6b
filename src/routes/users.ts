import { type Context, Hono } from "hono";
import { forgetCachedLogins } from "../auth/authenticate";
import { checkCurrentPassword } from "../auth/current-password";
import { clearLoginFailures } from "../auth/login-throttle";
import { hashPassword } from "../auth/passwords";
import type { Principal } from "../auth/principal";
import { mayGrant, mayManage } from "../auth/user-policy";
import {
  ROLE_COLLECTION_MEDIA_TYPE,
  ROLE_REFERENCE_MEDIA_TYPE,
  USER_COLLECTION_MEDIA_TYPE,
  USER_MEDIA_TYPE,
} from "../c8y/media-types";
import { collectionBody, offsetOf, parsePaging, wantsTotal } from "../c8y/paging";
import { ALL_ROLES, Roles } from "../c8y/roles";
import {
  checkEmail,
  checkEnabled,
  checkPassword,
  checkProfileText,
  checkUserName,
  roleFromReference,
} from "../c8y/user-input";
import { roleJson, roleReferenceJson, userJson } from "../c8y/user-json";
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
import type { AppEnv } from "../env";
import { forbidden, userConflict, userNotFound } from "../errors";
import { c8yJson, c8yWritten, originOf, readJsonObject, rejectOtherMethods } from "./context";
import { requireRolesByMethod, requireTenantAccess } from "./middleware";

/** /user: Cumulocity's user API, the subset that matters here (docs/api.md#tenants-users-roles). */
export const usersRoutes = new Hono<AppEnv>();

const noSuchUser = (userName: string) => userNotFound(`User '${userName}' not found.`);

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

/** The caller's own user: it may not delete or disable itself (it would lock itself out). */
const isSelf = (principal: { tenant: string; userName: string }, tenant: string, userName: string) =>
  principal.tenant === tenant && principal.userName === userName;

/** The profile fields of a user body; undefined where the body has none. */
function profileOf(body: Record<string, unknown>) {
  return {
    email: checkEmail(body.email),
    firstName: checkProfileText(body.firstName, "firstName"),
    lastName: checkProfileText(body.lastName, "lastName"),
    phone: checkProfileText(body.phone, "phone", 40),
  };
}

usersRoutes.get("/roles", (c) => {
  const origin = originOf(c);
  const paging = parsePaging((name) => c.req.query(name));
  const start = offsetOf(paging);
  const roles = ALL_ROLES.slice(start, start + paging.pageSize).map((role) => roleJson(origin, role));
  const total = wantsTotal(paging) ? ALL_ROLES.length : undefined;
  return c8yJson(c, collectionBody(c.req.url, paging, "roles", roles, total), ROLE_COLLECTION_MEDIA_TYPE);
});
usersRoutes.all("/roles", rejectOtherMethods("GET"));

// Everything below acts inside one tenant and needs user management rights there.
usersRoutes.use(
  "/:tenant/*",
  requireRolesByMethod({
    read: [Roles.userManagementAdmin, Roles.userManagementRead],
    write: [Roles.userManagementAdmin],
  }),
  requireTenantAccess("tenant"),
  async (c, next) => {
    if (!(await findTenant(c.var.db, c.req.param("tenant") ?? ""))) throw userNotFound("Tenant not found.");
    await next();
  },
);

usersRoutes.get("/:tenant/users", async (c) => {
  const tenant = c.req.param("tenant");
  const paging = parsePaging((name) => c.req.query(name));
  // `username`: a prefix of the user name (the Python SDK's Users.select(username=...)).
  const prefix = c.req.query("username") || undefined;
  const rows = await listUsers(c.var.db, tenant, paging.pageSize, offsetOf(paging), prefix);
  const total = wantsTotal(paging) ? await countUsers(c.var.db, tenant, prefix) : undefined;
  const items = rows.map((row) => userJson(originOf(c), row));
  return c8yJson(c, collectionBody(c.req.url, paging, "users", items, total), USER_COLLECTION_MEDIA_TYPE);
});

usersRoutes.post("/:tenant/users", async (c) => {
  const tenant = c.req.param("tenant");
  const body = await readJsonObject(c);
  const userName = checkUserName(body.userName);
  const passwordHash = await hashPassword(checkPassword(body.password));
  const created = await createUserIfAbsent(c.var.db, {
    tenant,
    userName,
    passwordHash,
    ...profileOf(body),
    enabled: checkEnabled(body.enabled),
    roles: [],
  });
  if (!created) throw userConflict(userName);
  const json = userJson(originOf(c), created);
  return c8yWritten(c, json, USER_MEDIA_TYPE, 201, { Location: json.self });
});

/** One user; also under `userByName`, the URI template /platform publishes. */
async function showUser(c: Context<AppEnv>) {
  const user = await findUser(c.var.db, c.req.param("tenant") ?? "", c.req.param("userName") ?? "");
  if (!user) throw noSuchUser(c.req.param("userName") ?? "");
  return c8yJson(c, userJson(originOf(c), user), USER_MEDIA_TYPE);
}
usersRoutes.get("/:tenant/users/:userName", showUser);
usersRoutes.get("/:tenant/userByName/:userName", showUser);

usersRoutes.put("/:tenant/users/:userName", async (c) => {
  const { tenant, userName } = c.req.param();
  const body = await readJsonObject(c);
  await manageableUser(c.var.db, c.var.principal, tenant, userName);
  const password = body.password === undefined ? undefined : checkPassword(body.password);
  const enabled = checkEnabled(body.enabled);
  if (enabled === false && isSelf(c.var.principal, tenant, userName)) throw forbidden("You cannot disable yourself.");
  // One's own password, here as on /user/currentUser, only with the current one (an admin resetting
  // another user's password needs none).
  if (password !== undefined && isSelf(c.var.principal, tenant, userName))
    await checkCurrentPassword(c.var.db, tenant, userName, body.currentUserPassword);
  const change = {
    passwordHash: password === undefined ? undefined : await hashPassword(password),
    ...profileOf(body),
    enabled,
  };
  const updated = await updateUser(c.var.db, tenant, userName, change);
  if (!updated) throw noSuchUser(userName);
  if (password !== undefined || enabled === false) forgetCachedLogins(tenant, userName);
  if (password !== undefined) await clearLoginFailures(c.var.db, tenant, userName);
  return c8yWritten(c, userJson(originOf(c), updated), USER_MEDIA_TYPE, 200);
});

usersRoutes.delete("/:tenant/users/:userName", async (c) => {
  const { tenant, userName } = c.req.param();
  if (isSelf(c.var.principal, tenant, userName)) throw forbidden("You cannot delete yourself.");
  await manageableUser(c.var.db, c.var.principal, tenant, userName);
  if (!(await deleteUser(c.var.db, tenant, userName))) throw noSuchUser(userName);
  forgetCachedLogins(tenant, userName);
  return c.body(null, 204);
});

usersRoutes.post("/:tenant/users/:userName/roles", async (c) => {
  const { tenant, userName } = c.req.param();
  const role = roleFromReference(await readJsonObject(c));
  await manageableUser(c.var.db, c.var.principal, tenant, userName);
  if (!mayGrant(c.var.principal, role)) throw forbidden(`You cannot grant ${role} (roles only flow downwards).`);
  await grantRole(c.var.db, tenant, userName, role);
  forgetCachedLogins(tenant, userName);
  return c8yWritten(c, roleReferenceJson(originOf(c), tenant, userName, role), ROLE_REFERENCE_MEDIA_TYPE, 201);
});

usersRoutes.delete("/:tenant/users/:userName/roles/:role", async (c) => {
  const { tenant, userName, role } = c.req.param();
  await manageableUser(c.var.db, c.var.principal, tenant, userName);
  if (!(await revokeRole(c.var.db, tenant, userName, role))) {
    throw userNotFound(`User '${userName}' has no role '${role}'.`);
  }
  forgetCachedLogins(tenant, userName);
  return c.body(null, 204);
});

usersRoutes.all("/:tenant/users", rejectOtherMethods("GET, POST"));
usersRoutes.all("/:tenant/users/:userName", rejectOtherMethods("GET, PUT, DELETE"));
usersRoutes.all("/:tenant/userByName/:userName", rejectOtherMethods("GET"));
usersRoutes.all("/:tenant/users/:userName/roles", rejectOtherMethods("POST"));
usersRoutes.all("/:tenant/users/:userName/roles/:role", rejectOtherMethods("DELETE"));
