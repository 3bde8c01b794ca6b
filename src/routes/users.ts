import { Hono } from "hono";
import { forgetCachedLogins } from "../auth/authenticate";
import { requireAnyRole, requireTenantAccess } from "../auth/authorize";
import { ALL_ROLES, Roles } from "../c8y/roles";
import { readConfig } from "../config";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { clearFailures } from "../db/login-failures";
import { findTenant } from "../db/tenants";
import { countUsers, createUserIfAbsent, deleteUser, findUser, listUsers, setRoles, updateUser } from "../db/users";
import { methodNotAllowed, readTextCapped } from "../http/headers";
import { parseJsonObject } from "../c8y/managed-object";
import { collectionBody, offsetOf, parsePaging, wantsTotal } from "../c8y/paging";
import { checkEmail, checkPassword, checkUserName, roleFromReference } from "../c8y/user-input";
import { ROLE_COLLECTION_MEDIA_TYPE, ROLE_REFERENCE_MEDIA_TYPE, roleJson, roleReferenceJson, USER_COLLECTION_MEDIA_TYPE, USER_MEDIA_TYPE, userJson } from "../c8y/user-json";

/** /user: Cumulocity's user API, the subset that matters here (issue #3). */
export const usersRoutes = new Hono<AppEnv>();

const userNotFound = (userName: string) => new ApiError(404, "user/Not Found", `User '${userName}' not found.`);
const originOf = (url: string) => new URL(url).origin;

usersRoutes.get("/roles", (c) => {
  const origin = originOf(c.req.url);
  const body = { self: `${origin}/user/roles`, roles: ALL_ROLES.map((role) => roleJson(origin, role)), statistics: { currentPage: 1, pageSize: ALL_ROLES.length } };
  return c.body(JSON.stringify(body), 200, { "Content-Type": ROLE_COLLECTION_MEDIA_TYPE });
});
usersRoutes.all("/roles", methodNotAllowed("GET"));

// Everything below acts inside one tenant and needs user management rights there.
usersRoutes.use("/:tenant/*", requireAnyRole(Roles.userManagementAdmin), requireTenantAccess("tenant"), async (c, next) => {
  if (!(await findTenant(c.var.db, c.req.param("tenant") ?? ""))) throw new ApiError(404, "user/Not Found", "Tenant not found.");
  await next();
});

async function jsonBody(c: { req: { raw: Request }; env: Env }): Promise<Record<string, unknown>> {
  return parseJsonObject(await readTextCapped(c.req.raw.body, readConfig(c.env).maxJsonSize), "The body");
}

usersRoutes.get("/:tenant/users", async (c) => {
  const tenant = c.req.param("tenant");
  const paging = parsePaging((name) => c.req.query(name));
  const rows = await listUsers(c.var.db, tenant, paging.pageSize, offsetOf(paging));
  const total = wantsTotal(paging) ? await countUsers(c.var.db, tenant) : undefined;
  const body = collectionBody(c.req.url, paging, "users", rows.map((row) => userJson(originOf(c.req.url), row)), total);
  return c.body(JSON.stringify(body), 200, { "Content-Type": USER_COLLECTION_MEDIA_TYPE });
});

usersRoutes.post("/:tenant/users", async (c) => {
  const tenant = c.req.param("tenant");
  const body = await jsonBody(c);
  const user = { tenant, userName: checkUserName(body.userName), password: checkPassword(body.password), email: checkEmail(body.email), roles: [] };
  const created = await createUserIfAbsent(c.var.db, user);
  if (!created) throw new ApiError(409, "user/Conflict", `User '${user.userName}' already exists.`);
  const json = userJson(originOf(c.req.url), created);
  return c.body(JSON.stringify(json), 201, { "Content-Type": USER_MEDIA_TYPE, Location: json.self });
});

usersRoutes.get("/:tenant/users/:userName", async (c) => {
  const user = await findUser(c.var.db, c.req.param("tenant"), c.req.param("userName"));
  if (!user) throw userNotFound(c.req.param("userName"));
  return c.body(JSON.stringify(userJson(originOf(c.req.url), user)), 200, { "Content-Type": USER_MEDIA_TYPE });
});

usersRoutes.put("/:tenant/users/:userName", async (c) => {
  const { tenant, userName } = c.req.param();
  const body = await jsonBody(c);
  const change = { password: body.password === undefined ? undefined : checkPassword(body.password), email: checkEmail(body.email) };
  const updated = await updateUser(c.var.db, tenant, userName, change);
  if (!updated) throw userNotFound(userName);
  if (change.password !== undefined) {
    forgetCachedLogins(tenant, userName);
    await clearFailures(c.var.db, `${tenant}/${userName}`);
  }
  return c.body(JSON.stringify(userJson(originOf(c.req.url), updated)), 200, { "Content-Type": USER_MEDIA_TYPE });
});

usersRoutes.delete("/:tenant/users/:userName", async (c) => {
  const { tenant, userName } = c.req.param();
  if (!(await deleteUser(c.var.db, tenant, userName))) throw userNotFound(userName);
  forgetCachedLogins(tenant, userName);
  return c.body(null, 204);
});

usersRoutes.post("/:tenant/users/:userName/roles", async (c) => {
  const { tenant, userName } = c.req.param();
  const role = roleFromReference(await jsonBody(c));
  const user = await findUser(c.var.db, tenant, userName);
  if (!user) throw userNotFound(userName);
  if (!user.roles.includes(role)) await setRoles(c.var.db, tenant, userName, [...user.roles, role]);
  forgetCachedLogins(tenant, userName);
  return c.body(JSON.stringify(roleReferenceJson(originOf(c.req.url), tenant, userName, role)), 201, { "Content-Type": ROLE_REFERENCE_MEDIA_TYPE });
});

usersRoutes.delete("/:tenant/users/:userName/roles/:role", async (c) => {
  const { tenant, userName, role } = c.req.param();
  const user = await findUser(c.var.db, tenant, userName);
  if (!user || !user.roles.includes(role)) throw new ApiError(404, "user/Not Found", `User '${userName}' has no role '${role}'.`);
  await setRoles(c.var.db, tenant, userName, user.roles.filter((r) => r !== role));
  forgetCachedLogins(tenant, userName);
  return c.body(null, 204);
});

usersRoutes.all("/:tenant/users", methodNotAllowed("GET, POST"));
usersRoutes.all("/:tenant/users/:userName", methodNotAllowed("GET, PUT, DELETE"));
usersRoutes.all("/:tenant/users/:userName/roles", methodNotAllowed("POST"));
usersRoutes.all("/:tenant/users/:userName/roles/:role", methodNotAllowed("DELETE"));
