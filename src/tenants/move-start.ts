/**
 * Starting a tenant's move to another shard (issue 19, docs/api.md#shards-and-regions): where it
 * goes, the directory's `moving` mark, and the Workflow instance that does it (move-workflow.ts).
 */
import { MANAGEMENT_TENANT } from "../auth/authorize";
import { createDb } from "../db/client";
import { findPlacementRow, markMoving, tenantsPerShard, updatePlacement } from "../db/directory";
import { invalidUserInput, moveNotStopped, notFound, tenantMoveConflict, tenantNotFound } from "../errors";
import type { Shard, Topology } from "../shards/topology";
import { type MoveJob, type MovePlan, rollbackAllowed } from "./move";
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

/** What POST /tenant/tenants/{id}/move (or a resume or rollback) started. */
export interface StartedMove {
  id: string;
  plan: MovePlan;
  rollback?: boolean;
}

/**
 * A move's Workflow instance id says what it moves: `move-{tenant}-{started ms}-{from}-{to}-{attempt}`.
 * A resume or rollback of attempt n is attempt n+1 of the same move: the engine refuses a second
 * instance of one id, so two admins resuming and rolling back the same errored attempt at once start
 * one instance, not two racing ones.
 */
const moveInstanceId = (tenant: string, startedMs: number, plan: MovePlan, attempt: number) =>
  `move-${tenant}-${startedMs}-${plan.fromShard}-${plan.toShard}-${attempt}`;

/** The plan and attempt in a move's instance id (for `tenant`); undefined when it is not one. */
function parseMoveInstanceId(topology: Topology, tenant: string, instanceId: string) {
  const prefix = `move-${tenant}-`;
  if (!instanceId.startsWith(prefix)) return undefined;
  const parts = /^(\d{1,15})-(\d{1,3})-(\d{1,3})-(\d{1,6})$/.exec(instanceId.slice(prefix.length));
  if (!parts) return undefined;
  const from = topology.shard(Number(parts[2]));
  const to = topology.shard(Number(parts[3]));
  if (!from || !to) return undefined;
  const plan: MovePlan = { tenant, fromShard: from.no, toShard: to.no, fromRegion: from.region, toRegion: to.region };
  return { startedMs: Number(parts[1]), plan, attempt: Number(parts[4]) };
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
  workflow: Workflow<MoveJob>,
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
    const instance = await workflow.create({ id: moveInstanceId(id, Date.now(), plan, 1), params: plan });
    return { id: instance.id, plan };
  } catch (error) {
    await updatePlacement(directory, id, { state: "active" });
    throw error;
  }
}

/** The state of a move's Workflow instance; 404 for an instance that is not a move of this tenant. */
export async function moveStatus(topology: Topology, workflow: Workflow<MoveJob>, tenant: string, instanceId: string) {
  if (!parseMoveInstanceId(topology, tenant, instanceId)) throw notFound("Move");
  const status = await (await moveInstance(workflow, instanceId)).status();
  return { id: instanceId, tenant, status: status.status, error: status.error?.message, output: status.output };
}

async function moveInstance(workflow: Workflow<MoveJob>, instanceId: string): Promise<WorkflowInstance> {
  try {
    return await workflow.get(instanceId);
  } catch {
    throw notFound("Move");
  }
}

/** The states in which a move's instance will not run again by itself. */
const STOPPED = new Set(["errored", "terminated"]);

/**
 * Resumes or rolls back a move whose Workflow instance ended errored or was terminated
 * (docs/api.md#shards-and-regions): a new instance, the next attempt of the same move.
 *
 * - resume: the same plan from its first step; every step is idempotent, so what the stopped attempt
 *   did is found done (or done again to the same result). Resuming a stopped rollback goes on rolling back.
 * - rollback: only before the switch (409 after it: resume instead): the copy in the new shard and, for
 *   another region, in the new bucket goes, then the old shard takes writes again.
 *
 * 404 for an instance that is not a move of this tenant; 409 while it runs, after it completed, or when
 * this attempt was already resumed or rolled back.
 */
export async function recoverMove(
  topology: Topology,
  workflow: Workflow<MoveJob>,
  tenant: string,
  instanceId: string,
  action: "resume" | "rollback",
): Promise<StartedMove> {
  const parsed = parseMoveInstanceId(topology, tenant, instanceId);
  if (!parsed) throw notFound("Move");
  const { status } = await (await moveInstance(workflow, instanceId)).status();
  if (!STOPPED.has(status)) throw moveNotStopped(instanceId, status);
  const { plan } = parsed;
  const row = await findPlacementRow(createDb(topology.directory.d1), tenant);
  if (!row) throw tenantNotFound(tenant);
  const rollingBack = row.state === "rolling-back";
  if (action === "rollback" && !(await rollbackAllowed(topology, plan))) {
    throw moveNotStopped(instanceId, "past the switch to the new shard (resume it instead)");
  }
  const rollback = action === "rollback" || rollingBack;
  const next = moveInstanceId(tenant, parsed.startedMs, plan, parsed.attempt + 1);
  try {
    await workflow.create({ id: next, params: rollback ? { ...plan, rollback } : plan });
  } catch (error) {
    if (/already exists/i.test(String(error))) throw moveNotStopped(instanceId, `followed by ${next}`);
    throw error;
  }
  // Said at once (the instance's first step says it again): a resume of the new attempt rolls back too.
  if (rollback) await updatePlacement(createDb(topology.directory.d1), tenant, { state: "rolling-back" });
  return { id: next, plan, rollback };
}
