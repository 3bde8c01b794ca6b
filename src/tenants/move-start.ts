/**
 * Starting a tenant's move to another shard (issue 19, docs/api.md#shards-and-regions): where it
 * goes, the directory's `moving` mark, and the Workflow instance that does it (move-workflow.ts).
 */
import { MANAGEMENT_TENANT } from "../auth/authorize";
import { createDb } from "../db/client";
import { findPlacementRow, markMoving, tenantsPerShard, updatePlacement } from "../db/directory";
import { invalidUserInput, notFound, tenantMoveConflict, tenantNotFound } from "../errors";
import type { Shard, Topology } from "../shards/topology";
import type { MovePlan } from "./move";
import { regionOf, requestedRegion } from "./service";

/** Where a move goes: `shard` by number, or the least-loaded other shard of `region` (default: the tenant's). */
export async function planMove(
  topology: Topology,
  id: string,
  target: { shard?: number; region?: string },
): Promise<MovePlan> {
  const row = await findPlacementRow(createDb(topology.directory.d1), id);
  if (!row) throw tenantNotFound(id);
  if (row.state !== "active") throw tenantMoveConflict(id);
  const fromRegion = row.region ?? topology.defaultRegion;
  let to: Shard | undefined;
  if (target.shard !== undefined) {
    to = topology.shard(target.shard);
    if (!to) throw invalidUserInput(`Unknown shard ${target.shard}.`);
    if (target.region !== undefined && target.region !== to.region) {
      throw invalidUserInput(`Shard ${target.shard} is in region '${to.region}', not '${target.region}'.`);
    }
  } else {
    const region = regionOf(topology, target.region ?? fromRegion);
    const loads = await tenantsPerShard(createDb(topology.directory.d1));
    for (const shard of topology.shardsIn(region)) {
      if (shard.no === row.shard) continue;
      if (!to || (loads.get(shard.no) ?? 0) < (loads.get(to.no) ?? 0)) to = shard;
    }
    if (!to) throw invalidUserInput(`Region '${region}' has no other shard to move to.`);
  }
  if (to.no === row.shard) throw invalidUserInput(`Tenant '${id}' is already on shard ${to.no}.`);
  return { tenant: id, fromShard: row.shard, toShard: to.no, fromRegion, toRegion: to.region };
}

/** What POST /tenant/tenants/{id}/move started. */
export interface StartedMove {
  id: string;
  plan: MovePlan;
}

/** `"shard"` of a move body: a shard number, when given. */
function requestedShard(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw invalidUserInput("'shard' must be a shard number.");
  }
  return value;
}

/**
 * Starts moving a tenant to another shard (docs/api.md#shards-and-regions): `{"shard"?, "region"?}`,
 * by default the least-loaded other shard of its region. The directory marks the tenant `moving`
 * at once (a second move is refused, 409), then a Workflow instance does the work (tenants/move.ts).
 */
export async function startMove(
  topology: Topology,
  workflow: Workflow<MovePlan>,
  id: string,
  body: Record<string, unknown>,
): Promise<StartedMove> {
  if (id === MANAGEMENT_TENANT && topology.shards.length < 2) throw invalidUserInput("There is no other shard.");
  const plan = await planMove(topology, id, {
    shard: requestedShard(body.shard),
    region: requestedRegion(body.region),
  });
  const directory = createDb(topology.directory.d1);
  if (!(await markMoving(directory, id))) throw tenantMoveConflict(id);
  try {
    const instance = await workflow.create({ id: `move-${id}-${Date.now()}`, params: plan });
    return { id: instance.id, plan };
  } catch (error) {
    await updatePlacement(directory, id, { state: "active" });
    throw error;
  }
}

/** The state of a move's Workflow instance; 404 for an instance that is not a move of this tenant. */
export async function moveStatus(workflow: Workflow<MovePlan>, tenant: string, instanceId: string) {
  if (!instanceId.startsWith(`move-${tenant}-`)) throw notFound("Move");
  let instance: WorkflowInstance;
  try {
    instance = await workflow.get(instanceId);
  } catch {
    throw notFound("Move");
  }
  const status = await instance.status();
  return { id: instanceId, tenant, status: status.status, error: status.error?.message, output: status.output };
}
