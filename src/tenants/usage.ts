/**
 * Usage statistics and the usage check (docs/api.md#usage-and-quotas): who may see which tenant's
 * usage, read on the D1 primary (where the writes are; a replica may lag behind them). The counters
 * themselves are kept by the database (db/usage), in each tenant's own shard (issue 19): another
 * tenant's usage is read in its shard, the list of all tenants from the directory and every shard.
 */
import { isPlatformAdmin, isPlatformReader, MANAGEMENT_TENANT } from "../auth/authorize";
import type { Principal } from "../auth/principal";
import { createDb, type Database, primaryOf } from "../db/client";
import { findPlacementRow, listDirectory } from "../db/directory";
import type { DirectoryRow } from "../db/schema";
import { findTenant } from "../db/tenants";
import { type Drift, findUsageDrift, readUsage, type Usage, usageOf } from "../db/usage";
import { forbidden, tenantNotFound } from "../errors";
import type { Topology } from "../shards/topology";

export type { Drift, Usage };

/** The database of `tenant`'s shard (undefined when the directory does not know it). */
async function shardDbOf(topology: Topology, tenant: string): Promise<Database | undefined> {
  const row = await findPlacementRow(createDb(topology.directory.d1), tenant);
  const shard = row && topology.shard(row.shard);
  return shard && createDb(shard.d1);
}

/**
 * The usage of the caller's tenant (in `db`, the request's shard), or of `tenant` for platform
 * readers (read in its own shard; 403 for others, 404 when unknown).
 */
export async function tenantUsage(
  topology: Topology,
  db: Database,
  principal: Principal,
  tenant = principal.tenant,
): Promise<Usage> {
  if (tenant === principal.tenant) return readUsage(primaryOf(db), tenant);
  if (principal.tenant !== MANAGEMENT_TENANT || !isPlatformReader(principal)) throw forbidden();
  const shard = await shardDbOf(topology, tenant);
  if (!shard || !(await findTenant(shard, tenant))) throw tenantNotFound(tenant);
  return readUsage(shard, tenant);
}

/** A page of every tenant (from the directory) with its usage (from its shard), for platform readers. */
export async function allTenantsUsage(
  topology: Topology,
  principal: Principal,
  page: { limit: number; offset: number },
): Promise<{ tenant: DirectoryRow; usage: Usage }[]> {
  if (!isPlatformReader(principal)) throw forbidden();
  const rows = await listDirectory(createDb(topology.directory.d1), page.limit, page.offset);
  const byShard = new Map<number, string[]>();
  for (const row of rows) byShard.set(row.shard, [...(byShard.get(row.shard) ?? []), row.id]);
  const usages = new Map<string, Usage>();
  await Promise.all(
    [...byShard].map(async ([no, ids]) => {
      const shard = topology.shard(no);
      if (!shard) return;
      for (const [id, usage] of await usageOf(createDb(shard.d1), ids)) usages.set(id, usage);
    }),
  );
  return rows.flatMap((tenant) => {
    const usage = usages.get(tenant.id);
    return usage ? [{ tenant, usage }] : [];
  });
}

/**
 * The consistency check, for platform admins: tenants whose kept usage differs from their rows, in
 * `tenant`'s shard, or in every shard.
 */
export async function usageDrift(topology: Topology, principal: Principal, tenant?: string): Promise<Drift[]> {
  if (!isPlatformAdmin(principal)) throw forbidden();
  if (tenant !== undefined) {
    const shard = await shardDbOf(topology, tenant);
    return shard ? findUsageDrift(shard, tenant) : [];
  }
  const found = await Promise.all(topology.shards.map((shard) => findUsageDrift(createDb(shard.d1))));
  return found.flat();
}
