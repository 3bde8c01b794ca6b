/**
 * Tenants (docs/api.md#tenants-users-roles): creating one with its first admin, listing, reading and
 * deleting them, and when a deleted tenant's id may be handed out again. Routes read the JSON body and
 * render the result; this module checks the input (c8y/user-input).
 *
 * Creating and deleting tenants over the shards (issue 19, docs/api.md#tenants-users-roles). The directory is the
 * arbiter: a creation first claims the id there (state `creating`, invisible to routing), then
 * writes the tenant's rows into the chosen shard, then makes the directory row active. A crash in
 * between leaves a claim that a later creation of the same id takes over (after STALE_CLAIM_MS).
 */
import { forgetCachedLogins } from "../auth/authenticate";
import { MANAGEMENT_TENANT } from "../auth/authorize";
import { hashPassword } from "../auth/passwords";
import { ALL_ROLES } from "../c8y/roles";
import { checkEmail, checkPassword, checkTenantId, checkUserName, requiredText } from "../c8y/user-input";
import { createDb, type Database } from "../db/client";
import {
  activateTenant,
  claimTenantId,
  countDirectory,
  dropClaim,
  findPlacementRow,
  listDirectory,
  removeFromDirectory,
  tenantsPerShard,
  updateDirectoryDetails,
} from "../db/directory";
import type { DirectoryRow } from "../db/schema";
import {
  createTenantWithAdmin,
  deleteTenantRows,
  findTenant,
  hasOpenResumables,
  hasTrackedUploads,
  type TenantRow,
  tenantDeletedAt,
  updateTenant,
} from "../db/tenants";
import { quotasOf } from "../db/usage";
import { forgetUsageHint } from "../db/usage-hints";
import { createTenantIfAbsent, type NewUser } from "../db/users";
import { type EdgeCache, forgetCachedObjects, MAX_FORGETS_PER_REQUEST } from "../downloads/edge-cache";
import {
  forbidden,
  invalidUserInput,
  tenantBeingMoved,
  tenantConflict,
  tenantIdBusy,
  tenantNotFound,
  unknownRegion,
} from "../errors";
import { deleteObjectsByPrefix, tenantPrefix } from "../r2/objects";
import { forgetPlacement } from "../shards/routing";
import type { Shard, Topology } from "../shards/topology";
import type { TenantDeletion } from "./deletion";

export type { TenantRow };

/** Whether the Workflow removing what a deletion of the id left still runs. */
export type DeletionRunning = (deletion: { tenant: string; deletedAtMs: number }) => Promise<boolean>;

/** How long a deleted tenant's id rests: longer than any cached login of the old tenant lives (60 s). */
export const TENANT_ID_REST_MS = 2 * 60_000;

/** The least-loaded shard of a region (fewest tenants; the lowest number on a tie). */
export async function leastLoadedShard(topology: Topology, region: string): Promise<Shard> {
  const loads = await tenantsPerShard(createDb(topology.directory.d1));
  const candidates = topology.shardsIn(region);
  let best: Shard | undefined;
  for (const shard of candidates) {
    if (!best || (loads.get(shard.no) ?? 0) < (loads.get(best.no) ?? 0)) best = shard;
  }
  if (!best) throw new Error(`region '${region}' has no shard`);
  return best;
}

/** The region a creation asks for, checked against the deployment's regions (422 otherwise). */
export function regionOf(topology: Topology, requested: string | undefined): string {
  if (requested === undefined) return topology.defaultRegion;
  if (!topology.regions.has(requested)) throw unknownRegion(requested, [...topology.regions.keys()]);
  return requested;
}

/**
 * A tenant id is not handed out again while anything of its previous holder may remain
 * (docs/api.md#tenants-users-roles): cached logins (for TENANT_ID_REST_MS after the delete), bytes in any region's
 * bucket, or tracked multipart uploads or open resumable uploads in any shard, or while the deletion's
 * Workflow still runs (`deletionRunning`). 409 otherwise.
 */
async function checkIdFree(topology: Topology, id: string, deletionRunning?: DeletionRunning): Promise<void> {
  const deletedAt = await tenantDeletedAt(createDb(topology.directory.d1), id);
  if (deletedAt !== undefined && Date.now() - deletedAt < TENANT_ID_REST_MS) {
    throw tenantIdBusy(id, "a tenant with this id was deleted moments ago");
  }
  if (deletedAt !== undefined && (await deletionRunning?.({ tenant: id, deletedAtMs: deletedAt }))) {
    throw tenantIdBusy(id, "data of a deleted tenant with this id is still being removed");
  }
  const prefix = tenantPrefix(id);
  const leftovers = await Promise.all([
    ...[...topology.regions.values()].map(
      async (region) => (await region.bucket.list({ prefix, limit: 1 })).objects.length > 0,
    ),
    ...topology.shards.map((shard) => hasTrackedUploads(createDb(shard.d1), prefix)),
    // Open uploads of the deleted tenant (until the sweep removes them): their usage triggers name the id.
    ...topology.shards.map((shard) => hasOpenResumables(createDb(shard.d1), id)),
  ]);
  if (leftovers.some(Boolean)) throw tenantIdBusy(id, "data of a deleted tenant with this id is still being removed");
}

export interface NewTenant {
  id: string;
  company: string;
  domain: string;
  region?: string;
  /** Bytes (docs/api.md#usage-and-quotas); null or absent: unlimited. */
  storageQuota?: number | null;
}

/**
 * Creates a tenant on the least-loaded shard of its region, with its first admin when given (the
 * tenant row and the admin in one batch in the shard); returns the directory row. 409 when the id
 * is taken or still resting.
 */
export async function createTenant(
  topology: Topology,
  tenant: NewTenant,
  admin?: Omit<NewUser, "tenant">,
  deletionRunning?: DeletionRunning,
): Promise<TenantEntry> {
  const region = regionOf(topology, tenant.region);
  const directory = createDb(topology.directory.d1);
  if (await findPlacementRow(directory, tenant.id)) throw tenantConflict(tenant.id);
  await checkIdFree(topology, tenant.id, deletionRunning);
  const chosen = await leastLoadedShard(topology, region);
  const regionColumn = region === topology.defaultRegion ? null : region;
  const claimed = await claimTenantId(directory, {
    id: tenant.id,
    shard: chosen.no,
    region: regionColumn,
    company: tenant.company,
    domain: tenant.domain,
  });
  const shard = claimed === undefined ? undefined : topology.shard(claimed);
  if (!shard) throw tenantConflict(tenant.id);
  try {
    const db = createDb(shard.d1);
    // The claim is ours alone: a tenant row already in the shard was left by a crashed creation.
    if (await findTenant(db, tenant.id)) await deleteTenantRows(db, tenant.id);
    const row = { id: tenant.id, company: tenant.company, domain: tenant.domain };
    if (admin) {
      if (!(await createTenantWithAdmin(db, row, admin, tenant.storageQuota ?? null))) throw tenantConflict(tenant.id);
    } else {
      await createTenantIfAbsent(db, tenant.id, tenant.domain);
    }
  } catch (error) {
    await dropClaim(directory, tenant.id);
    throw error;
  }
  forgetPlacement(tenant.id);
  const active = await activateTenant(directory, tenant.id);
  if (!active) throw tenantConflict(tenant.id);
  return entryOf(topology, active, tenant.storageQuota ?? null);
}

/** What deleting a tenant tells the caller about its bytes (to drop cached copies). */
export type DeletedObjects = (objects: R2Object[]) => void;

/** Starts the Workflow that removes what is left of a deleted tenant (deletion.ts). */
export type StartDeletion = (job: TenantDeletion) => Promise<unknown>;

/** Objects a DELETE removes itself: the signed links of a typical tenant die with the 204. */
const BYTES_IN_REQUEST = 10_000;

/**
 * Deletes a tenant: its rows in its shard (one batch), then its directory row (with a tombstone, so
 * the id rests), then up to BYTES_IN_REQUEST of its bytes; a Workflow (`startDeletion`) removes the
 * rest, its open uploads' R2 multipart uploads and its remaining rows (deletion.ts). Every step can be
 * run again. 404 when the directory does not know the id; 409 while the tenant is being moved.
 */
export async function deleteTenant(
  topology: Topology,
  id: string,
  deleted?: DeletedObjects,
  startDeletion?: StartDeletion,
): Promise<void> {
  const directory = createDb(topology.directory.d1);
  const placement = await findPlacementRow(directory, id);
  if (!placement) throw tenantNotFound(id);
  // A move copies the rows elsewhere meanwhile; delete once it completed or was rolled back.
  if (placement.state !== "active") throw tenantBeingMoved(id);
  const shard = topology.shard(placement.shard);
  const regionName = placement.region ?? topology.defaultRegion;
  const region = topology.regions.get(regionName);
  if (!shard || !region) throw new Error(`tenant '${id}' is on a shard or region that is not configured`);
  await deleteTenantRows(createDb(shard.d1), id);
  const deletedAtMs = Date.now();
  await removeFromDirectory(directory, id, deletedAtMs);
  forgetPlacement(id);
  await deleteObjectsByPrefix(region.bucket, tenantPrefix(id), BYTES_IN_REQUEST, deleted);
  const job = { tenant: id, shard: shard.no, region: regionName, deletedAtMs };
  try {
    await startDeletion?.(job);
  } catch (error) {
    // The tenant is gone either way; what is left is unreferenced, so the hourly sweeps remove it.
    console.warn("tenant deletion job not started; the sweeps remove the rest", id, error);
  }
}

/** The database of a tenant's shard, outside a request (tests, jobs); undefined for an unknown tenant. */
export async function shardDbOf(topology: Topology, id: string): Promise<Database | undefined> {
  const placement = await findPlacementRow(createDb(topology.directory.d1), id);
  const shard = placement && topology.shard(placement.shard);
  return shard && createDb(shard.d1);
}

/** A tenant as the platform admin's API shows it: the directory row, its region's name and its quota. */
export type TenantEntry = DirectoryRow & { regionName: string; storageQuota?: number | null };

const entryOf = (topology: Topology, row: DirectoryRow, storageQuota?: number | null): TenantEntry => ({
  ...row,
  regionName: row.region ?? topology.defaultRegion,
  storageQuota,
});

/** The storage quotas of directory rows, read from their shards (one statement per shard involved). */
async function withQuotas(topology: Topology, rows: DirectoryRow[]): Promise<TenantEntry[]> {
  const byShard = new Map<number, string[]>();
  for (const row of rows) byShard.set(row.shard, [...(byShard.get(row.shard) ?? []), row.id]);
  const quotas = new Map<string, number | null>();
  await Promise.all(
    [...byShard].map(async ([no, ids]) => {
      const shard = topology.shard(no);
      if (!shard) return;
      for (const [id, quota] of await quotasOf(createDb(shard.d1), ids)) quotas.set(id, quota);
    }),
  );
  return rows.map((row) => entryOf(topology, row, quotas.get(row.id) ?? null));
}

/** One page of the existing tenants (other than `except`), by id, from the directory (one statement). */
export async function listTenantEntries(
  topology: Topology,
  limit: number,
  offset: number,
  except?: string,
): Promise<TenantEntry[]> {
  return withQuotas(topology, await listDirectory(createDb(topology.directory.d1), limit, offset, except));
}

/** How many tenants exist (other than `except`). */
export function countTenantEntries(topology: Topology, except?: string): Promise<number> {
  return countDirectory(createDb(topology.directory.d1), except);
}

/** One tenant's directory entry, if it exists. */
export async function findTenantEntry(topology: Topology, id: string): Promise<TenantEntry | undefined> {
  const row = await findPlacementRow(createDb(topology.directory.d1), id);
  return row && (await withQuotas(topology, [row]))[0];
}

/** `"region"`: optional, one of the deployment's region names (issue 19). */
export function requestedRegion(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value === "") throw invalidUserInput("'region' must be a region name.");
  return value;
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
 * Changes a tenant (docs/api.md#usage-and-quotas): `company`, `domain` and `storageQuota` (bytes, null
 * for none), each only when present; 404 when unknown. In its shard, and `company`/`domain` also in the
 * directory (which the list is read from).
 */
export async function changeTenant(
  topology: Topology,
  id: string,
  body: Record<string, unknown>,
): Promise<TenantEntry> {
  const change = {
    company: body.company === undefined ? undefined : requiredText(body.company, "company"),
    domain: body.domain === undefined ? undefined : requiredText(body.domain, "domain"),
    storageQuota: storageQuotaOf(body),
  };
  const directory = createDb(topology.directory.d1);
  const placement = await findPlacementRow(directory, id);
  const shard = placement && topology.shard(placement.shard);
  if (!shard) throw tenantNotFound(id);
  const row = await updateTenant(createDb(shard.d1), id, change);
  if (!row) throw tenantNotFound(id);
  const updated = await updateDirectoryDetails(directory, id, { company: change.company, domain: change.domain });
  forgetUsageHint(id);
  return entryOf(topology, updated ?? placement, row.storageQuota);
}

/** A created tenant as POST /tenant/tenants answers it. */
export interface CreatedTenant {
  tenant: TenantEntry;
  adminName: string;
  adminEmail: string | null | undefined;
}

/**
 * Creates a tenant and its admin (every role) atomically, on the least-loaded shard of its region:
 * `{id?, company, domain, adminName, adminPass, adminEmail?, region?}`.
 */
export async function createTenantFromBody(
  topology: Topology,
  body: Record<string, unknown>,
  deletionRunning?: DeletionRunning,
): Promise<CreatedTenant> {
  const id = body.id === undefined ? `t${crypto.randomUUID().replace(/-/g, "").slice(0, 10)}` : checkTenantId(body.id);
  const company = requiredText(body.company, "company");
  const domain = requiredText(body.domain, "domain");
  const region = requestedRegion(body.region);
  const storageQuota = storageQuotaOf(body) ?? null;
  const adminName = checkUserName(body.adminName, "adminName");
  const adminEmail = checkEmail(body.adminEmail, "adminEmail");
  const passwordHash = await hashPassword(checkPassword(body.adminPass, "adminPass"));
  const tenant = await createTenant(
    topology,
    { id, company, domain, region, storageQuota },
    { userName: adminName, passwordHash, email: adminEmail, roles: ALL_ROLES },
    deletionRunning,
  );
  return { tenant, adminName, adminEmail };
}

/** A page of tenants from the directory; the caller's own tenant is not one of its subtenants. */
export async function listSubtenants(
  topology: Topology,
  own: string,
  page: { limit: number; offset: number; withTotal: boolean },
): Promise<{ rows: TenantEntry[]; total: number | undefined }> {
  const rows = await listTenantEntries(topology, page.limit, page.offset, own);
  const total = page.withTotal ? await countTenantEntries(topology, own) : undefined;
  return { rows, total };
}

/** One tenant, 404 when unknown. */
export async function getTenant(topology: Topology, id: string): Promise<TenantEntry> {
  const row = await findTenantEntry(topology, id);
  if (!row) throw tenantNotFound(id);
  return row;
}

/**
 * Removes a tenant (see deleteTenant) and ends its users' cached logins here. Signed links need no D1,
 * so only the bytes say the tenant is gone: they are dropped from this data centre's edge cache too
 * (elsewhere they expire within EDGE_CACHE_TTL_SECONDS, docs/api.md#edge-cache). `edgeOf` gives the
 * edge cache of the tenant's region.
 */
export async function removeTenant(
  topology: Topology,
  edgeOf: (region: string) => EdgeCache | undefined,
  id: string,
  startDeletion?: StartDeletion,
): Promise<void> {
  if (id === MANAGEMENT_TENANT) throw forbidden("The management tenant cannot be deleted.");
  const entry = await getTenant(topology, id);
  const edge = edgeOf(entry.regionName);
  const budget = { left: MAX_FORGETS_PER_REQUEST };
  const forget = (objects: R2Object[]) => {
    if (edge) forgetCachedObjects(edge, objects, budget);
  };
  await deleteTenant(topology, id, forget, startDeletion);
  forgetCachedLogins(id);
}
