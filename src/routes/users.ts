import { type Context, Hono } from "hono";
import {
  ROLE_COLLECTION_MEDIA_TYPE,
  ROLE_REFERENCE_MEDIA_TYPE,
  USER_COLLECTION_MEDIA_TYPE,
  USER_MEDIA_TYPE,
} from "../c8y/media-types";
import { collectionBody, offsetOf, parsePaging, wantsTotal } from "../c8y/paging";
import { ALL_ROLES, Roles } from "../c8y/roles";
import { roleJson, roleReferenceJson, userJson } from "../c8y/user-json";
import type { AppEnv } from "../env";
import { userNotFound } from "../errors";
import { routeTenant } from "../shards/routing";
import {
  changeUser,
  createTenantUser,
  getUser,
  grantUserRole,
  listTenantUsers,
  removeUser,
  requireTenant,
  revokeUserRole,
} from "../users/service";
import { c8yJson, c8yWritten, originOf, readJsonObject, rejectOtherMethods } from "./context";
import { requireRolesByMethod, requireTenantAccess } from "./middleware";
import { useRoute } from "./routing";

/** /user: Cumulocity's user API, the subset that matters here (docs/api.md#tenants-users-roles). Rules: users/. */
export const usersRoutes = new Hono<AppEnv>();

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
    // A platform admin acting on another tenant: that tenant's shard serves the rest (issue 19).
    const tenant = c.req.param("tenant") ?? "";
    const route = tenant === c.var.route.tenant ? c.var.route : await routeTenant(c.env, tenant);
    if (!route) throw userNotFound("Tenant not found.");
    if (route !== c.var.route) useRoute(c, route);
    await requireTenant(c.var.db, tenant);
    await next();
  },
);

usersRoutes.get("/:tenant/users", async (c) => {
  const tenant = c.req.param("tenant");
  const paging = parsePaging((name) => c.req.query(name));
  // `username`: a prefix of the user name (the Python SDK's Users.select(username=...)).
  const prefix = c.req.query("username") || undefined;
  const page = { limit: paging.pageSize, offset: offsetOf(paging), withTotal: wantsTotal(paging) };
  const { rows, total } = await listTenantUsers(c.var.db, tenant, page, prefix);
  const items = rows.map((row) => userJson(originOf(c), row));
  return c8yJson(c, collectionBody(c.req.url, paging, "users", items, total), USER_COLLECTION_MEDIA_TYPE);
});

usersRoutes.post("/:tenant/users", async (c) => {
  const tenant = c.req.param("tenant");
  const created = await createTenantUser(c.var.db, tenant, await readJsonObject(c));
  const json = userJson(originOf(c), created);
  return c8yWritten(c, json, USER_MEDIA_TYPE, 201, { Location: json.self });
});

/** One user; also under `userByName`, the URI template /platform publishes. */
async function showUser(c: Context<AppEnv>) {
  const user = await getUser(c.var.db, c.req.param("tenant") ?? "", c.req.param("userName") ?? "");
  return c8yJson(c, userJson(originOf(c), user), USER_MEDIA_TYPE);
}
usersRoutes.get("/:tenant/users/:userName", showUser);
usersRoutes.get("/:tenant/userByName/:userName", showUser);

usersRoutes.put("/:tenant/users/:userName", async (c) => {
  const { tenant, userName } = c.req.param();
  const updated = await changeUser(c.var.db, c.var.principal, tenant, userName, await readJsonObject(c));
  return c8yWritten(c, userJson(originOf(c), updated), USER_MEDIA_TYPE, 200);
});

usersRoutes.delete("/:tenant/users/:userName", async (c) => {
  const { tenant, userName } = c.req.param();
  await removeUser(c.var.db, c.var.principal, tenant, userName);
  return c.body(null, 204);
});

usersRoutes.post("/:tenant/users/:userName/roles", async (c) => {
  const { tenant, userName } = c.req.param();
  const role = await grantUserRole(c.var.db, c.var.principal, tenant, userName, await readJsonObject(c));
  return c8yWritten(c, roleReferenceJson(originOf(c), tenant, userName, role), ROLE_REFERENCE_MEDIA_TYPE, 201);
});

usersRoutes.delete("/:tenant/users/:userName/roles/:role", async (c) => {
  const { tenant, userName, role } = c.req.param();
  await revokeUserRole(c.var.db, c.var.principal, tenant, userName, role);
  return c.body(null, 204);
});

usersRoutes.all("/:tenant/users", rejectOtherMethods("GET, POST"));
usersRoutes.all("/:tenant/users/:userName", rejectOtherMethods("GET, PUT, DELETE"));
usersRoutes.all("/:tenant/userByName/:userName", rejectOtherMethods("GET"));
usersRoutes.all("/:tenant/users/:userName/roles", rejectOtherMethods("POST"));
usersRoutes.all("/:tenant/users/:userName/roles/:role", rejectOtherMethods("DELETE"));
