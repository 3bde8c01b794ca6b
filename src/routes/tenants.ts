import { Hono } from "hono";
import { TENANT_COLLECTION_MEDIA_TYPE, TENANT_MEDIA_TYPE } from "../c8y/media-types";
import { collectionBody, offsetOf, parsePaging, wantsTotal } from "../c8y/paging";
import { tenantJson } from "../c8y/user-json";
import type { AppEnv } from "../env";
import { readTopology } from "../shards/topology";
import { changeTenant, createTenantFromBody, getTenant, listSubtenants, removeTenant } from "../tenants/service";
import { c8yJson, c8yWritten, edgeCacheOf, originOf, readJsonObject, rejectOtherMethods } from "./context";
import { requirePlatformRights } from "./middleware";

/**
 * /tenant/tenants: creating and removing tenants, for admins of the management tenant only
 * (docs/api.md#tenants-users-roles). The rules are tenants/service's; tenants live in shards (issue 19),
 * the list comes from the directory.
 */
export const tenantsRoutes = new Hono<AppEnv>();

tenantsRoutes.use("*", requirePlatformRights);

tenantsRoutes.get("/", async (c) => {
  const paging = parsePaging((name) => c.req.query(name));
  const page = { limit: paging.pageSize, offset: offsetOf(paging), withTotal: wantsTotal(paging) };
  const { rows, total } = await listSubtenants(readTopology(c.env), c.var.principal.tenant, page);
  const items = rows.map((row) => tenantJson(originOf(c), row));
  return c8yJson(c, collectionBody(c.req.url, paging, "tenants", items, total), TENANT_COLLECTION_MEDIA_TYPE);
});

tenantsRoutes.post("/", async (c) => {
  const created = await createTenantFromBody(readTopology(c.env), await readJsonObject(c));
  const { tenant, adminName, adminEmail } = created;
  const json = { ...tenantJson(originOf(c), tenant), adminName, adminEmail: adminEmail ?? undefined };
  return c8yWritten(c, json, TENANT_MEDIA_TYPE, 201, { Location: json.self });
});

tenantsRoutes.get("/:id", async (c) => {
  const row = await getTenant(readTopology(c.env), c.req.param("id"));
  return c8yJson(c, tenantJson(originOf(c), row), TENANT_MEDIA_TYPE);
});

/** docs/api.md#usage-and-quotas: `company`, `domain` and `storageQuota`, each only when present. */
tenantsRoutes.put("/:id", async (c) => {
  const row = await changeTenant(readTopology(c.env), c.req.param("id"), await readJsonObject(c));
  return c8yWritten(c, tenantJson(originOf(c), row), TENANT_MEDIA_TYPE, 200);
});

tenantsRoutes.delete("/:id", async (c) => {
  await removeTenant(readTopology(c.env), (region) => edgeCacheOf(c, region), c.req.param("id"));
  return c.body(null, 204);
});

tenantsRoutes.all("/", rejectOtherMethods("GET, POST"));
tenantsRoutes.all("/:id", rejectOtherMethods("GET, PUT, DELETE"));
