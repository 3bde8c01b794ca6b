import { Hono } from "hono";
import { forgetCachedLogins } from "../auth/authenticate";
import { forbidden, isPlatformAdmin, MANAGEMENT_TENANT } from "../auth/authorize";
import { ALL_ROLES } from "../c8y/roles";
import { readConfig } from "../config";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { deleteObjectsByPrefix } from "../r2/objects";
import { countTenants, createTenantWithAdmin, deleteTenantRows, findTenant, listTenants } from "../db/tenants";
import { methodNotAllowed, readTextCapped } from "../http/headers";
import { parseJsonObject } from "../c8y/managed-object";
import { collectionBody, offsetOf, parsePaging, wantsTotal } from "../c8y/paging";
import { checkEmail, checkPassword, checkTenantId, checkUserName, requiredText } from "../c8y/user-input";
import { TENANT_COLLECTION_MEDIA_TYPE, TENANT_MEDIA_TYPE, tenantJson } from "../c8y/user-json";

/** /tenant/tenants: creating and removing tenants, for admins of the management tenant only. */
export const tenantsRoutes = new Hono<AppEnv>();

tenantsRoutes.use("*", async (c, next) => {
  if (!isPlatformAdmin(c.var.principal)) throw forbidden();
  await next();
});

const tenantNotFound = (id: string) => new ApiError(404, "tenant/Not Found", `Tenant '${id}' not found.`);

tenantsRoutes.get("/", async (c) => {
  const paging = parsePaging((name) => c.req.query(name));
  const rows = await listTenants(c.var.db, paging.pageSize, offsetOf(paging));
  const total = wantsTotal(paging) ? await countTenants(c.var.db) : undefined;
  const origin = new URL(c.req.url).origin;
  const body = collectionBody(c.req.url, paging, "tenants", rows.map((row) => tenantJson(origin, row)), total);
  return c.body(JSON.stringify(body), 200, { "Content-Type": TENANT_COLLECTION_MEDIA_TYPE });
});

/** Creates a tenant and its admin (every role) atomically: `{id?, company, domain, adminName, adminPass, adminEmail?}`. */
tenantsRoutes.post("/", async (c) => {
  const body = parseJsonObject(await readTextCapped(c.req.raw.body, readConfig(c.env).maxJsonSize), "The body");
  const id = body.id === undefined ? `t${crypto.randomUUID().replace(/-/g, "").slice(0, 10)}` : checkTenantId(body.id);
  const tenant = { id, company: requiredText(body.company, "company"), domain: requiredText(body.domain, "domain") };
  const admin = { userName: checkUserName(body.adminName, "adminName"), password: checkPassword(body.adminPass, "adminPass"), email: checkEmail(body.adminEmail, "adminEmail"), roles: ALL_ROLES };
  const created = await createTenantWithAdmin(c.var.db, tenant, admin);
  if (!created) throw new ApiError(409, "tenant/Conflict", `Tenant '${id}' already exists.`);
  const json = { ...tenantJson(new URL(c.req.url).origin, created), adminName: admin.userName, adminEmail: admin.email ?? undefined };
  return c.body(JSON.stringify(json), 201, { "Content-Type": TENANT_MEDIA_TYPE, Location: json.self });
});

tenantsRoutes.get("/:id", async (c) => {
  const row = await findTenant(c.var.db, c.req.param("id"));
  if (!row) throw tenantNotFound(c.req.param("id"));
  return c.body(JSON.stringify(tenantJson(new URL(c.req.url).origin, row)), 200, { "Content-Type": TENANT_MEDIA_TYPE });
});

/** Removes a tenant: its rows and users first (one batch), then its bytes in R2. */
tenantsRoutes.delete("/:id", async (c) => {
  const id = c.req.param("id");
  if (id === MANAGEMENT_TENANT) throw new ApiError(403, "security/Forbidden", "The management tenant cannot be deleted.");
  if (!(await deleteTenantRows(c.var.db, id))) throw tenantNotFound(id);
  forgetCachedLogins(id);
  await deleteObjectsByPrefix(c.env.BUCKET, `${encodeURIComponent(id)}/`);
  return c.body(null, 204);
});

tenantsRoutes.all("/", methodNotAllowed("GET, POST"));
tenantsRoutes.all("/:id", methodNotAllowed("GET, DELETE"));
