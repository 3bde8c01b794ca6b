/**
 * Usage statistics and the usage check (docs/api.md#usage-and-quotas): who may see which tenant's
 * usage, read on the D1 primary (where the writes are; a replica may lag behind them). The counters
 * themselves are kept by the database (db/usage).
 */
import { isPlatformAdmin, isPlatformReader, MANAGEMENT_TENANT } from "../auth/authorize";
import type { Principal } from "../auth/principal";
import { type Database, primaryOf } from "../db/client";
import { findTenant } from "../db/tenants";
import { type Drift, findUsageDrift, listUsage, readUsage, type Usage } from "../db/usage";
import { forbidden, tenantNotFound } from "../errors";

export type { Drift, Usage };

/** The usage of the caller's tenant, or of `tenant` for platform readers (403 for others, 404 when unknown). */
export async function tenantUsage(db: Database, principal: Principal, tenant = principal.tenant): Promise<Usage> {
  const primary = primaryOf(db);
  if (tenant !== principal.tenant) {
    if (principal.tenant !== MANAGEMENT_TENANT || !isPlatformReader(principal)) throw forbidden();
    if (!(await findTenant(primary, tenant))) throw tenantNotFound(tenant);
  }
  return readUsage(primary, tenant);
}

/** A page of every tenant with its usage, for platform readers. */
export async function allTenantsUsage(db: Database, principal: Principal, page: { limit: number; offset: number }) {
  if (!isPlatformReader(principal)) throw forbidden();
  return listUsage(primaryOf(db), page.limit, page.offset);
}

/** The consistency check, for platform admins: tenants whose kept usage differs from their rows. */
export async function usageDrift(db: Database, principal: Principal, tenant?: string): Promise<Drift[]> {
  if (!isPlatformAdmin(principal)) throw forbidden();
  return findUsageDrift(primaryOf(db), tenant);
}
