/**
 * Tenants (docs/api.md#tenants-users-roles): creating one with its first admin, listing, reading and deleting
 * them, and when a deleted tenant's id may be handed out again. Routes read the JSON body and render the result;
 * this module checks the input (c8y/user-input), calls the D1 queries (db/tenants) and removes a deleted
 * tenant's bytes from R2 and from this data centre's edge cache.
 */
import { forgetCachedLogins } from "../auth/authenticate";
import { MANAGEMENT_TENANT } from "../auth/authorize";
import { hashPassword } from "../auth/passwords";
import { ALL_ROLES } from "../c8y/roles";
import { checkEmail, checkPassword, checkTenantId, checkUserName, requiredText } from "../c8y/user-input";
import type { Database } from "../db/client";
import {
  countTenants,
  createTenantWithAdmin,
  deleteTenantRows,
  findTenant,
  hasTrackedUploads,
  listTenants,
  type TenantWithQuota as TenantRow,
  tenantDeletedAt,
  updateTenant,
} from "../db/tenants";
import { forgetUsageHint } from "../db/usage";
import { type EdgeCache, forgetCachedObjects, MAX_FORGETS_PER_REQUEST } from "../downloads/edge-cache";
import { forbidden, invalidUserInput, tenantConflict, tenantIdBusy, tenantNotFound } from "../errors";
import { deleteObjectsByPrefix, tenantPrefix } from "../r2/objects";

export type { TenantRow };

/** How long a deleted tenant's id rests: longer than any cached login of the old tenant lives (60 s). */
export const TENANT_ID_REST_MS = 2 * 60_000;

/**
 * A tenant id is not handed out again while anything of its previous holder may remain
 * (docs/api.md#tenants-users-roles): cached logins (for TENANT_ID_REST_MS after the delete), bytes in R2 the
 * delete has not removed yet, or tracked multipart uploads under its prefix. 409 otherwise.
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

/** A page of tenants; the caller's own tenant is not one of its subtenants (as in the reference). */
export async function listSubtenants(
  db: Database,
  own: string,
  page: { limit: number; offset: number; withTotal: boolean },
): Promise<{ rows: TenantRow[]; total: number | undefined }> {
  const rows = await listTenants(db, page.limit, page.offset, own);
  const total = page.withTotal ? await countTenants(db, own) : undefined;
  return { rows, total };
}

export interface CreatedTenant {
  tenant: TenantRow;
  adminName: string;
  adminEmail: string | null | undefined;
}

/** `storageQuota` of a tenant body (docs/api.md#usage-and-quotas): bytes, null for none; undefined when absent. */
function storageQuotaOf(body: Record<string, unknown>): number | null | undefined {
  const value = body.storageQuota;
  if (value === undefined || value === null) return value;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw invalidUserInput("'storageQuota' must be a whole number of bytes (0 or more), or null for no quota.");
  }
  return value;
}

/**
 * Creates a tenant and its admin (every role) atomically:
 * `{id?, company, domain, adminName, adminPass, adminEmail?, storageQuota?}`.
 */
export async function createTenant(db: Database, bucket: R2Bucket, body: Record<string, unknown>) {
  const storageQuota = storageQuotaOf(body) ?? null;
  const id = body.id === undefined ? `t${crypto.randomUUID().replace(/-/g, "").slice(0, 10)}` : checkTenantId(body.id);
  const tenant = { id, company: requiredText(body.company, "company"), domain: requiredText(body.domain, "domain") };
  const adminName = checkUserName(body.adminName, "adminName");
  const adminEmail = checkEmail(body.adminEmail, "adminEmail");
  const passwordHash = await hashPassword(checkPassword(body.adminPass, "adminPass"));
  await checkIdFree(db, bucket, id);
  const admin = { userName: adminName, passwordHash, email: adminEmail, roles: ALL_ROLES };
  const created = await createTenantWithAdmin(db, tenant, admin, storageQuota);
  if (!created) throw tenantConflict(id);
  return { tenant: { ...created, storageQuota }, adminName, adminEmail } satisfies CreatedTenant;
}

/**
 * Changes a tenant (docs/api.md#usage-and-quotas): `company`, `domain` and `storageQuota` (bytes, null
 * for none), each only when present; 404 when unknown. A quota below the current usage is accepted:
 * writes that would grow the tenant are refused from then on, shrinking and deleting still work.
 */
export async function changeTenant(db: Database, id: string, body: Record<string, unknown>): Promise<TenantRow> {
  const change = {
    company: body.company === undefined ? undefined : requiredText(body.company, "company"),
    domain: body.domain === undefined ? undefined : requiredText(body.domain, "domain"),
    storageQuota: storageQuotaOf(body),
  };
  const row = await updateTenant(db, id, change);
  if (!row) throw tenantNotFound(id);
  forgetUsageHint(id);
  return row;
}

/** One tenant, 404 when unknown. */
export async function getTenant(db: Database, id: string): Promise<TenantRow> {
  const row = await findTenant(db, id);
  if (!row) throw tenantNotFound(id);
  return row;
}

/** Removes a tenant: its rows and users first (one batch), then its bytes in R2. */
export async function removeTenant(
  db: Database,
  bucket: R2Bucket,
  edge: EdgeCache | undefined,
  id: string,
): Promise<void> {
  if (id === MANAGEMENT_TENANT) throw forbidden("The management tenant cannot be deleted.");
  if (!(await deleteTenantRows(db, id))) throw tenantNotFound(id);
  forgetCachedLogins(id);
  // Signed links need no D1, so only the bytes say the tenant is gone: drop them from this data
  // centre's edge cache too (elsewhere they expire within EDGE_CACHE_TTL_SECONDS, docs/api.md#edge-cache).
  const budget = { left: MAX_FORGETS_PER_REQUEST };
  await deleteObjectsByPrefix(bucket, tenantPrefix(id), undefined, (objects) => {
    if (edge) forgetCachedObjects(edge, objects, budget);
  });
}
