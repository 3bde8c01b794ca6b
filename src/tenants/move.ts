import { createDb, type Database } from "../db/client";
import { findPlacementRow, updatePlacement } from "../db/directory";
import { copyTenantRows, deleteMovedRows, setMoving, TENANT_TABLES } from "../db/tenant-copy";
import { recountUsage } from "../db/usage";
import { deleteObjectsByPrefix, tenantPrefix } from "../r2/objects";
import { forgetPlacement } from "../shards/routing";
import type { Topology } from "../shards/topology";
import { abortOpenUploads } from "./open-uploads";

/**
 * Moving a tenant to another shard (issue 19, docs/scaling.md "Moving a tenant"): the steps of the
 * move, each one idempotent, so the Workflow that runs them (move-workflow.ts) can retry any step
 * and a move killed at any point can be run again from the start.
 *
 * 1. freeze: the old shard refuses writes to the tenant's rows (503 + Retry-After); reads go on.
 * 2. copy: every row of the tenant into the new shard (INSERT OR REPLACE, table by table).
 * 3. copy bytes: only to another region: every object under the tenant's prefix into the new bucket.
 * 4. switch: the directory names the new shard; the old copy is marked moved away, so logins and
 *    their re-checks there fail and every isolate routes the tenant anew within AUTH_RECHECK_SECONDS.
 * 5. (the workflow waits AUTH_RECHECK_SECONDS, so no isolate still reads the old copy)
 * 6. remove: the old rows (to another region, the dropped resumable uploads' multipart uploads first);
 * 7. remove bytes: to another region, the old bytes, a batch a step (and this data centre's edge cache
 *    entries of them).
 *
 * A move whose Workflow ended errored can be resumed (the same plan run again: every step above is
 * idempotent) or, before the switch, rolled back (rollback*: the copy in the new shard and bucket
 * removed, then the old shard writable again). move-start.ts.
 */

/** What a move does, fixed when it starts (so a re-run after the switch still knows where from). */
export interface MovePlan {
  tenant: string;
  fromShard: number;
  toShard: number;
  fromRegion: string;
  toRegion: string;
}

/** What a move's Workflow instance is given: the plan, and whether it rolls the plan back (move-start.ts). */
export type MoveJob = MovePlan & { rollback?: boolean };

function shardsOf(topology: Topology, plan: MovePlan): { from: Database; to: Database } {
  const from = topology.shard(plan.fromShard);
  const to = topology.shard(plan.toShard);
  if (!from || !to) throw new Error(`move of ${plan.tenant}: shard ${plan.fromShard} or ${plan.toShard} unknown`);
  return { from: createDb(from.d1), to: createDb(to.d1) };
}

function bucketsOf(topology: Topology, plan: MovePlan): { from: R2Bucket; to: R2Bucket } {
  const from = topology.regions.get(plan.fromRegion)?.bucket;
  const to = topology.regions.get(plan.toRegion)?.bucket;
  if (!from || !to) throw new Error(`move of ${plan.tenant}: region ${plan.fromRegion} or ${plan.toRegion} unknown`);
  return { from, to };
}

/** Whether the directory already names the move's target (the switch happened). */
async function switched(topology: Topology, plan: MovePlan): Promise<boolean> {
  const row = await findPlacementRow(createDb(topology.directory.d1), plan.tenant);
  return row?.shard === plan.toShard && row.state === "active";
}

/**
 * Step 1: writes to the tenant's rows in the old shard now fail; the directory says `moving`. First the
 * new shard is cleared of any old copy of the tenant (an earlier move out of it whose last step never ran,
 * or a deleted tenant of the same id): copied over, it would keep rows deleted since, and its write guard
 * (`moving` 2) refuses the copy. Nothing routes to the new shard before the switch.
 */
export async function freeze(topology: Topology, plan: MovePlan): Promise<void> {
  const placement = await findPlacementRow(createDb(topology.directory.d1), plan.tenant);
  if (placement?.shard === plan.toShard && placement.state === "active") return;
  const { from, to } = shardsOf(topology, plan);
  if (placement?.shard === plan.fromShard) await deleteMovedRows(to, plan.tenant);
  await setMoving(from, plan.tenant, 1);
  await updatePlacement(createDb(topology.directory.d1), plan.tenant, { state: "moving" });
}

/** Step 2: copies the rows of one table (of TENANT_TABLES) into the new shard; returns how many. */
export async function copyTable(topology: Topology, plan: MovePlan, table: string): Promise<number> {
  if (await switched(topology, plan)) return 0;
  // An R2 multipart upload cannot change buckets: a move to another region drops the tenant's
  // incomplete resumable uploads (their clients get 404 and start again).
  if (plan.fromRegion !== plan.toRegion && (table === "uploads" || table === "multipart_uploads")) return 0;
  const { from, to } = shardsOf(topology, plan);
  const copied = await copyTenantRows(from, to, plan.tenant, table);
  // The copied counters include what the old shard had and the new one may not (the dropped uploads
  // above): count again from the rows now in the new shard. It sets the counters, so a re-run is safe.
  if (table === "tenant_usage") await recountUsage(to, plan.tenant);
  return copied;
}

/** Objects one copy step lists and copies (a head, a get and a put each: bounded subrequests per step). */
export const COPY_PAGE = 200;

/** One page of the byte copy, and where the next starts (null: it was the last). */
export interface CopiedPage {
  copied: number;
  cursor: string | null;
}

/**
 * Step 3, one page: copies up to COPY_PAGE of the tenant's objects from `cursor` into the new region's
 * bucket (nothing within one region); an object already there is skipped, so a re-run copies nothing twice.
 */
export async function copyBytesPage(topology: Topology, plan: MovePlan, cursor?: string): Promise<CopiedPage> {
  if (plan.fromRegion === plan.toRegion || (await switched(topology, plan))) return { copied: 0, cursor: null };
  const { from, to } = bucketsOf(topology, plan);
  const page = await from.list({ prefix: tenantPrefix(plan.tenant), cursor, limit: COPY_PAGE });
  let copied = 0;
  for (const listed of page.objects) {
    if (await to.head(listed.key)) continue;
    const object = await from.get(listed.key);
    if (!object) continue;
    await to.put(listed.key, object.body, {
      httpMetadata: object.httpMetadata,
      customMetadata: object.customMetadata,
    });
    copied++;
  }
  return { copied, cursor: page.truncated ? page.cursor : null };
}

/** Step 3: every page of the byte copy (the Workflow runs a step per page). */
export async function copyBytes(topology: Topology, plan: MovePlan): Promise<number> {
  let copied = 0;
  let cursor: string | undefined;
  do {
    const page = await copyBytesPage(topology, plan, cursor);
    copied += page.copied;
    cursor = page.cursor ?? undefined;
  } while (cursor);
  return copied;
}

/** Step 4: the directory names the new shard and region; the old copy is marked moved away. */
export async function switchOver(topology: Topology, plan: MovePlan): Promise<void> {
  const { from, to } = shardsOf(topology, plan);
  await setMoving(to, plan.tenant, 0);
  const region = plan.toRegion === topology.defaultRegion ? null : plan.toRegion;
  await updatePlacement(createDb(topology.directory.d1), plan.tenant, {
    state: "active",
    shard: plan.toShard,
    region,
  });
  await setMoving(from, plan.tenant, 2);
  forgetPlacement(plan.tenant);
}

/** Told the objects the old region's bucket no longer holds (to drop cached copies). */
export type RemovedObjects = (objects: R2Object[]) => void;

/**
 * Step 6: removes the old copy of the rows. To another region, what they hold open in the old bucket
 * goes first: the multipart uploads of incomplete resumable uploads (not copied, see copyTable) and
 * tracked multipart uploads of bodies are aborted, resumable tails deleted. A re-run after the rows
 * went finds nothing left to abort.
 */
export async function removeOldRows(topology: Topology, plan: MovePlan): Promise<void> {
  const { from } = shardsOf(topology, plan);
  if (plan.fromRegion !== plan.toRegion) {
    await abortOpenUploads(from, bucketsOf(topology, plan).from, plan.tenant);
  }
  await deleteMovedRows(from, plan.tenant);
}

/** Objects one removal step deletes at most (10 listing pages). */
export const REMOVE_PAGE = 10_000;

/**
 * Step 7, one batch: to another region, deletes up to REMOVE_PAGE of the old bytes (listed anew each
 * time, so a re-run deletes what is left); how many (fewer: none are left).
 */
export async function removeOldBytes(topology: Topology, plan: MovePlan, removed?: RemovedObjects): Promise<number> {
  if (plan.fromRegion === plan.toRegion) return 0;
  return deleteObjectsByPrefix(bucketsOf(topology, plan).from, tenantPrefix(plan.tenant), REMOVE_PAGE, removed);
}

/** Steps 6 and 7: the old rows, then every batch of the old bytes. */
export async function removeOld(topology: Topology, plan: MovePlan, removed?: RemovedObjects): Promise<void> {
  await removeOldRows(topology, plan);
  while ((await removeOldBytes(topology, plan, removed)) >= REMOVE_PAGE) {
    // the next batch
  }
}

/** A move that did not reach the switch can be rolled back; one that did can only be resumed. */
export async function rollbackAllowed(topology: Topology, plan: MovePlan): Promise<boolean> {
  const row = await findPlacementRow(createDb(topology.directory.d1), plan.tenant);
  return row !== undefined && row.shard === plan.fromShard && (row.state === "moving" || row.state === "rolling-back");
}

/**
 * Rollback, step 1: removes what the move copied into the new shard (and, to another region, the
 * copied bytes in the new bucket). Nothing routes there before the switch, so no one wrote to it.
 * Refused (thrown, not retried into harm) once the directory names the new shard.
 */
export async function rollbackCopy(topology: Topology, plan: MovePlan): Promise<number> {
  if (!(await rollbackAllowed(topology, plan))) {
    throw new Error(`move of ${plan.tenant}: not before the switch to shard ${plan.toShard}, cannot roll back`);
  }
  // From now on a resume of this move goes on rolling back (move-start.ts), never copies again.
  await updatePlacement(createDb(topology.directory.d1), plan.tenant, { state: "rolling-back" });
  await deleteMovedRows(shardsOf(topology, plan).to, plan.tenant);
  if (plan.fromRegion === plan.toRegion) return 0;
  return deleteObjectsByPrefix(bucketsOf(topology, plan).to, tenantPrefix(plan.tenant), Infinity);
}

/** Rollback, step 2 (last, so no new move starts before the copy is gone): the old shard takes writes again. */
export async function rollbackUnfreeze(topology: Topology, plan: MovePlan): Promise<void> {
  if (!(await rollbackAllowed(topology, plan))) return;
  await setMoving(shardsOf(topology, plan).from, plan.tenant, 0);
  await updatePlacement(createDb(topology.directory.d1), plan.tenant, { state: "active" });
  forgetPlacement(plan.tenant);
}

/** The tables a move copies, in order (the tenant's own row last). */
export const MOVED_TABLES = TENANT_TABLES;

/** Runs every step in order (tests, and what the workflow does step by step). */
export async function moveTenant(topology: Topology, plan: MovePlan): Promise<void> {
  await freeze(topology, plan);
  for (const table of MOVED_TABLES) await copyTable(topology, plan, table);
  await copyBytes(topology, plan);
  await switchOver(topology, plan);
  await removeOld(topology, plan);
}
