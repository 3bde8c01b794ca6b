import { Hono } from "hono";
import { forgetCachedLogins } from "../auth/authenticate";
import { MANAGEMENT_TENANT } from "../auth/authorize";
import { hashPassword } from "../auth/passwords";
import { TENANT_COLLECTION_MEDIA_TYPE, TENANT_MEDIA_TYPE } from "../c8y/media-types";
import { collectionBody, offsetOf, parsePaging, wantsTotal } from "../c8y/paging";
import { ALL_ROLES } from "../c8y/roles";
import { checkEmail, checkPassword, checkTenantId, checkUserName, requiredText } from "../c8y/user-input";
import { tenantJson } from "../c8y/user-json";
import type { Database } from "../db/client";
import {
  countTenants,
  createTenantWithAdmin,
  deleteTenantRows,
  findTenant,
  hasTrackedUploads,
  listTenants,
  tenantDeletedAt,
} from "../db/tenants";
import { forgetCachedObjects, MAX_FORGETS_PER_REQUEST } from "../downloads/edge-cache";
import type { AppEnv } from "../env";
import { forbidden, tenantConflict, tenantIdBusy, tenantNotFound } from "../errors";
import { deleteObjectsByPrefix, tenantPrefix } from "../r2/objects";
import { c8yJson, c8yWritten, edgeCacheOf, originOf, readJsonObject, rejectOtherMethods } from "./context";
import { requirePlatformRights } from "./middleware";

/** /tenant/tenants: creating and removing tenants, for admins of the management tenant only
 * (docs/api.md#tenants-users-roles). */
export const tenantsRoutes = new Hono<AppEnv>();

tenantsRoutes.use("*", requirePlatformRights);

tenantsRoutes.get("/", async (c) => {
  const paging = parsePaging((name) => c.req.query(name));
  // The caller's own tenant is not one of its subtenants (as in the reference).
  const own = c.var.principal.tenant;
  const rows = await listTenants(c.var.db, paging.pageSize, offsetOf(paging), own);
  const total = wantsTotal(paging) ? await countTenants(c.var.db, own) : undefined;
  const items = rows.map((row) => tenantJson(originOf(c), row));
  return c8yJson(c, collectionBody(c.req.url, paging, "tenants", items, total), TENANT_COLLECTION_MEDIA_TYPE);
});

/**
 * Creates a tenant and its admin (every role) atomically:
 * `{id?, company, domain, adminName, adminPass, adminEmail?}`.
 */
/** How long a deleted tenant's id rests: longer than any cached login of the old tenant lives (60 s). */
export const TENANT_ID_REST_MS = 2 * 60_000;

/**
 * A tenant id is not handed out again while anything of its previous holder may remain
 * (docs/api.md#tenants-users-roles): cached logins (for TENANT_ID_REST_MS after the delete), bytes in R2 the delete
 * has not removed yet, or tracked multipart uploads under its prefix. 409 otherwise.
 */
async function checkIdFree(db: Database, bucket: R2Bucket, id: string): Promise<void> {
  const deletedAt = await tenantDeletedAt(db, id);
  if (deletedAt !== undefined && Date.now() - deletedAt < TENANT_ID_REST_MS) {
    throw tenantIdBusy(id, "a tenant with this id was deleted moments ago");
  }
  const prefix = tenantPrefix(id);
  if ((await bucket.list({ prefix, limit: 1 })).objects.length > 0 || (await hasTrackedUploads(db, prefix))) {
    throw tenantIdBusy(id, "data of a deleted tenant with this id is still being removed");
  }
}

tenantsRoutes.post("/", async (c) => {
  const body = await readJsonObject(c);
  const id = body.id === undefined ? `t${crypto.randomUUID().replace(/-/g, "").slice(0, 10)}` : checkTenantId(body.id);
  const tenant = { id, company: requiredText(body.company, "company"), domain: requiredText(body.domain, "domain") };
  const adminName = checkUserName(body.adminName, "adminName");
  const adminEmail = checkEmail(body.adminEmail, "adminEmail");
  const passwordHash = await hashPassword(checkPassword(body.adminPass, "adminPass"));
  await checkIdFree(c.var.db, c.env.BUCKET, id);
  const created = await createTenantWithAdmin(c.var.db, tenant, {
    userName: adminName,
    passwordHash,
    email: adminEmail,
    roles: ALL_ROLES,
  });
  if (!created) throw tenantConflict(id);
  const json = { ...tenantJson(originOf(c), created), adminName, adminEmail: adminEmail ?? undefined };
  return c8yWritten(c, json, TENANT_MEDIA_TYPE, 201, { Location: json.self });
});

tenantsRoutes.get("/:id", async (c) => {
  const row = await findTenant(c.var.db, c.req.param("id"));
  if (!row) throw tenantNotFound(c.req.param("id"));
  return c8yJson(c, tenantJson(originOf(c), row), TENANT_MEDIA_TYPE);
});

/** Removes a tenant: its rows and users first (one batch), then its bytes in R2. */
tenantsRoutes.delete("/:id", async (c) => {
  const id = c.req.param("id");
  if (id === MANAGEMENT_TENANT) throw forbidden("The management tenant cannot be deleted.");
  if (!(await deleteTenantRows(c.var.db, id))) throw tenantNotFound(id);
  forgetCachedLogins(id);
  // Signed links need no D1, so only the bytes say the tenant is gone: drop them from this data
  // centre's edge cache too (elsewhere they expire within EDGE_CACHE_TTL_SECONDS, docs/api.md#edge-cache).
  const edge = edgeCacheOf(c);
  const budget = { left: MAX_FORGETS_PER_REQUEST };
  await deleteObjectsByPrefix(c.env.BUCKET, tenantPrefix(id), undefined, (objects) => {
    if (edge) forgetCachedObjects(edge, objects, budget);
  });
  return c.body(null, 204);
});

tenantsRoutes.all("/", rejectOtherMethods("GET, POST"));
tenantsRoutes.all("/:id", rejectOtherMethods("GET, DELETE"));
