/**
 * What is left of a deleted tenant after DELETE /tenant/tenants/{id} answered (issue 19), removed by
 * a Workflow (delete-workflow.ts), each step idempotent so the engine may retry it and a crash at any
 * point loses nothing: the request removed the tenant's rows and directory entry (the id then rests)
 * and as many of its bytes as one request may; the job removes its open uploads (their R2 multipart
 * uploads aborted, their tails deleted), its tracked multipart uploads, the rest of its bytes and its
 * remaining rows (completed uploads, failed logins). A new tenant of the id is refused while the job
 * runs (service.ts checkIdFree), and every step first checks that the id was not taken again.
 */
import { createDb, type Database } from "../db/client";
import { directoryHolds } from "../db/directory";
import { deleteMovedRows } from "../db/tenant-copy";
import { deleteTenantRows, tenantDeletedAt } from "../db/tenants";
import { deleteObjectsByPrefix, tenantPrefix } from "../r2/objects";
import type { Topology } from "../shards/topology";
import { releaseOpenUploads } from "./open-uploads";

/** A tenant's deletion as its Workflow instance is given it. */
export interface TenantDeletion {
  tenant: string;
  shard: number;
  region: string;
  /** The directory tombstone's time: which deletion of the id this is. */
  deletedAtMs: number;
}

/** The Workflow instance id of a deletion: one per deletion of an id. */
export const deletionInstanceId = (job: TenantDeletion | { tenant: string; deletedAtMs: number }) =>
  `delete-${job.tenant}-${job.deletedAtMs}`;

/** Objects one `bytes` step removes at most (10 listing pages; bounded subrequests). */
export const BYTES_PER_STEP = 10_000;

function storesOf(topology: Topology, job: TenantDeletion): { db: Database; bucket: R2Bucket } {
  const shard = topology.shard(job.shard);
  const bucket = topology.regions.get(job.region)?.bucket;
  if (!shard || !bucket)
    throw new Error(`deletion of ${job.tenant}: shard ${job.shard} or region ${job.region} unknown`);
  return { db: createDb(shard.d1), bucket };
}

/**
 * Whether this deletion still owns the id: the directory does not hold it (no new tenant, no claim)
 * and its tombstone is this deletion's. False ends the job: what it would remove may be another's.
 */
export async function stillDeleting(topology: Topology, job: TenantDeletion): Promise<boolean> {
  const directory = createDb(topology.directory.d1);
  if (await directoryHolds(directory, job.tenant)) return false;
  return (await tenantDeletedAt(directory, job.tenant)) === job.deletedAtMs;
}

/** The tenant's rows, again (a no-op after the request's delete; finishes one that crashed half-way). */
export async function deleteRows(topology: Topology, job: TenantDeletion): Promise<boolean> {
  if (!(await stillDeleting(topology, job))) return false;
  await deleteTenantRows(storesOf(topology, job).db, job.tenant);
  return true;
}

/** One batch of open uploads and tracked multipart uploads released; how many (less than a batch: done). */
export async function releaseUploads(topology: Topology, job: TenantDeletion): Promise<number> {
  if (!(await stillDeleting(topology, job))) return 0;
  const { db, bucket } = storesOf(topology, job);
  return releaseOpenUploads(db, bucket, job.tenant);
}

/** Up to BYTES_PER_STEP of the tenant's objects deleted; how many (less: none are left). */
export async function deleteBytes(topology: Topology, job: TenantDeletion): Promise<number> {
  if (!(await stillDeleting(topology, job))) return 0;
  return deleteObjectsByPrefix(storesOf(topology, job).bucket, tenantPrefix(job.tenant), BYTES_PER_STEP);
}

/**
 * Every row of the tenant still in its shard (completed uploads, failed logins, …), and in every other shard
 * an old copy of it that a move out of there left (its last step, removing the copy, never ran): its users'
 * password hashes would stay for ever, and its user names would make bare logins of other tenants ambiguous.
 */
export async function deleteRemainingRows(topology: Topology, job: TenantDeletion): Promise<void> {
  if (!(await stillDeleting(topology, job))) return;
  await deleteMovedRows(storesOf(topology, job).db, job.tenant);
  for (const shard of topology.shards) {
    if (shard.no !== job.shard) await deleteMovedRows(createDb(shard.d1), job.tenant);
  }
}

/** Instance states in which a deletion job may still remove something. */
const UNFINISHED = new Set(["queued", "running", "paused", "waiting", "waitingForPause", "unknown"]);

/**
 * Whether a deletion's Workflow instance still runs (tenant creation waits for it: service.ts). An
 * errored one does not hold the id for ever: what it left, the id check and the hourly sweeps find.
 */
export function deletionRunningIn(workflow: Workflow<TenantDeletion>) {
  return async (deletion: { tenant: string; deletedAtMs: number }): Promise<boolean> => {
    let instance: WorkflowInstance;
    try {
      instance = await workflow.get(deletionInstanceId(deletion));
    } catch {
      return false; // no such instance: deleted before the job existed, or it was never started
    }
    return UNFINISHED.has((await instance.status()).status);
  };
}

/** Starts a deletion's Workflow instance (DELETE /tenant/tenants/{id}). */
export function startDeletionIn(workflow: Workflow<TenantDeletion>) {
  return (job: TenantDeletion) => workflow.create({ id: deletionInstanceId(job), params: job });
}
