/**
 * The hourly cron (issue 19, docs/api.md#scheduled-jobs): it only starts Workflow instances, one per
 * shard and one per region (sweep-workflow.ts); the work is theirs, step by step.
 */
import { readConfig } from "../config";
import { readTopology } from "../shards/topology";

/** One sweep instance's job, fixed when the cron starts it (a re-run of a step sees the same clock). */
export type SweepJob =
  | { kind: "shard"; shard: number; nowMs: number }
  | {
      kind: "region";
      region: string;
      nowMs: number;
      minAgeMs: number;
      /** Listing pages per instance (default PAGES_PER_INSTANCE in sweep-workflow.ts). */
      pagesPerInstance?: number;
      /** Where a continuation instance starts. */
      phase?: "orphans" | "tails";
      cursor?: string;
      part?: number;
    };

/** The instance id of a job: one per cron run and shard or region (and part), so a second start is refused. */
export function sweepInstanceId(job: SweepJob): string {
  const what = job.kind === "shard" ? `shard-${job.shard}` : `region-${job.region}`;
  const part = job.kind === "region" && job.part && job.part > 1 ? `-p${job.part}` : "";
  return `sweep-${job.nowMs}-${what}${part}`;
}

/** The cron run's jobs: every shard's and every region's. */
export function sweepJobs(env: Env, nowMs: number): SweepJob[] {
  const topology = readTopology(env);
  const minAgeMs = readConfig(env).orphanMinAgeMs;
  return [
    ...topology.shards.map((shard): SweepJob => ({ kind: "shard", shard: shard.no, nowMs })),
    ...[...topology.regions.keys()].map((region): SweepJob => ({ kind: "region", region, nowMs, minAgeMs })),
  ];
}

/**
 * Starts this cron run's sweep instances; one that exists already (the cron fired twice) is left alone,
 * and one that cannot be started does not keep the others from starting (it is logged; next hour's run
 * starts it anew). Returns the ids started.
 */
export async function startSweeps(env: Env, workflow: Workflow<SweepJob>, nowMs: number): Promise<string[]> {
  const started: string[] = [];
  for (const job of sweepJobs(env, nowMs)) {
    const id = sweepInstanceId(job);
    try {
      await workflow.create({ id, params: job });
      started.push(id);
    } catch (error) {
      if (!/already exists/i.test(String(error))) console.error("sweep not started", id, error);
    }
  }
  console.log("sweeps started", started.length);
  return started;
}
