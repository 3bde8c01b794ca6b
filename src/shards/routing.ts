import { createDb } from "../db/client";
import { findPlacementRow } from "../db/directory";
import type { DirectoryRow } from "../db/schema";
import { tenantsWithUser } from "../db/users";
import { type Region, readTopology, type Shard, type Topology } from "./topology";

/**
 * Which shard and region serve a tenant (issue 19). The directory is read at most once per isolate
 * per tenant while the tenant stays where it is: placements are remembered here, and forgotten when
 * the tenant's shard no longer knows it (a login's re-check, at most AUTH_RECHECK_SECONDS after a
 * move or deletion, finds no user row there: the caller then asks `refreshPlacement`). A tenant the
 * directory does not know is not remembered, so a tenant created elsewhere is found at once.
 */

/** Where a request's data lives. */
export interface Route {
  /** The tenant the request names, when it names one the directory knows. */
  tenant?: string;
  shard: Shard;
  region: Region;
  /** The placement came from this isolate's memory, not from a directory read in this request. */
  remembered: boolean;
  /** The directory row's state: `active`, or `moving` while a move copies the tenant's rows. */
  state: string;
}

interface Placement {
  shard: number;
  region: string;
  state: string;
}

const placements = new Map<string, Placement>();
const MAX_PLACEMENTS = 50_000;

function placementOf(topology: Topology, row: DirectoryRow): Placement {
  return { shard: row.shard, region: row.region ?? topology.defaultRegion, state: row.state };
}

function routeOf(topology: Topology, tenant: string, placement: Placement, remembered: boolean): Route {
  const shard = topology.shard(placement.shard);
  const region = topology.regions.get(placement.region);
  if (!shard || !region) {
    throw new Error(`tenant '${tenant}' is on shard ${placement.shard} in '${placement.region}', not configured`);
  }
  return { tenant, shard, region, remembered, state: placement.state };
}

/** The route of requests that name no known tenant: the directory's shard, the default region. */
export function defaultRoute(env: object): Route {
  const topology = readTopology(env);
  const region = topology.regions.get(topology.defaultRegion);
  if (!region) throw new Error("the default region has no bucket");
  return { shard: topology.directory, region, remembered: false, state: "active" };
}

/** Reads a tenant's placement from the directory (one D1 statement) and remembers it. */
async function readPlacement(topology: Topology, tenant: string): Promise<Placement | undefined> {
  const row = await findPlacementRow(createDb(topology.directory.d1), tenant);
  if (!row) {
    placements.delete(tenant);
    return undefined;
  }
  const placement = placementOf(topology, row);
  if (placements.size >= MAX_PLACEMENTS) {
    const oldest = placements.keys().next().value;
    if (oldest !== undefined) placements.delete(oldest);
  }
  placements.set(tenant, placement);
  return placement;
}

/** The route of a tenant: from memory, else from the directory; undefined when the tenant does not exist. */
export async function routeTenant(env: object, tenant: string): Promise<Route | undefined> {
  const topology = readTopology(env);
  const known = placements.get(tenant);
  if (known) return routeOf(topology, tenant, known, true);
  const placement = await readPlacement(topology, tenant);
  return placement && routeOf(topology, tenant, placement, false);
}

/**
 * After a remembered route failed (the shard did not know the tenant's user or session): reads the
 * directory again. Returns the new route when the tenant moved (or was deleted: the default
 * route), undefined when nothing changed.
 */
export async function refreshPlacement(env: object, route: Route): Promise<Route | undefined> {
  if (!route.remembered || route.tenant === undefined) return undefined;
  const topology = readTopology(env);
  const before = placements.get(route.tenant);
  const placement = await readPlacement(topology, route.tenant);
  if (!placement) return defaultRoute(env);
  if (before && before.shard === placement.shard && before.region === placement.region) return undefined;
  return routeOf(topology, route.tenant, placement, false);
}

/** Forgets a tenant's placement in this isolate (it was deleted or moved here). */
export function forgetPlacement(tenant: string): void {
  placements.delete(tenant);
}

/** Whether this isolate remembers the tenant's placement (tests). */
export function remembersPlacement(tenant: string): boolean {
  return placements.has(tenant);
}

/**
 * The tenant of a login without a tenant prefix (`user:password`): the only tenant of any shard
 * with a user of that name, asked of every shard at once (one round trip of latency, a cold login
 * only); undefined when none or several have one. While a tenant moves its users are in two shards
 * (copied, then the old copy until it is removed): that is still one tenant.
 */
export async function tenantOfUserName(env: object, userName: string): Promise<string | undefined> {
  const topology = readTopology(env);
  const found = await Promise.all(topology.shards.map((shard) => tenantsWithUser(createDb(shard.d1), userName)));
  const tenants = new Set(found.flat());
  return tenants.size === 1 ? [...tenants][0] : undefined;
}
