import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { sweepLoginFailures } from "../auth/login-throttle";
import { abortStaleBodies, dropOldClaims, STALE_BATCH, sweepOrphanPage } from "../binaries/sweep";
import { createDb } from "../db/client";
import { deleteExpiredSessions } from "../db/sessions";
import { EXPIRED_BATCH, expireUploads, listExpiredUploads, sweepTailPage } from "../resumable/expire";
import { readTopology } from "../shards/topology";
import { type SweepJob, sweepInstanceId } from "./sweeps";

/** Each step is retried this often (with backoff) before the instance errors; re-running it is safe. */
const RETRIES = { retries: { limit: 5, delay: "10 seconds" as const, backoff: "exponential" as const } };

/**
 * Listing pages one instance sweeps before it hands the rest (from its cursor) to a new instance: the
 * engine caps the steps of one instance, a bucket's pages are not.
 */
export const PAGES_PER_INSTANCE = 500;

/** Batches of one kind (expired uploads, stale bodies) one run removes; the rest is next hour's. */
const BATCHES_PER_RUN = 200;

/**
 * The hourly cleanups as a Cloudflare Workflow (issue 19, docs/api.md#scheduled-jobs): the cron starts
 * one instance per shard (its database's cleanups) and one per region (its bucket swept against all
 * of the region's shards), each batch or listing page a step, recorded and retried by the engine. Every
 * step is safe to run twice (binaries/sweep.ts, resumable/expire.ts): a re-run after a crash neither
 * counts a removal twice nor leaves an R2 multipart upload open.
 */
export class SweepWorkflow extends WorkflowEntrypoint<Env, SweepJob> {
  override async run(event: Readonly<WorkflowEvent<SweepJob>>, step: WorkflowStep) {
    const job = event.payload;
    return job.kind === "shard" ? this.sweepShard(job, step) : this.sweepRegion(job, step);
  }

  private async sweepShard(job: Extract<SweepJob, { kind: "shard" }>, step: WorkflowStep) {
    const topology = () => readTopology(this.env);
    const shard = () => {
      const found = topology().shard(job.shard);
      if (!found) throw new Error(`sweep: shard ${job.shard} is not configured`);
      return { db: createDb(found.d1), bucket: topology().regions.get(found.region)?.bucket as R2Bucket };
    };
    await step.do("login failures", RETRIES, () => sweepLoginFailures(shard().db, job.nowMs));
    await step.do("sessions", RETRIES, () => deleteExpiredSessions(shard().db, job.nowMs));
    let expired = 0;
    for (let batch = 1; batch <= BATCHES_PER_RUN; batch++) {
      // The list is recorded: the step that removes them works from it, also when re-run (expire.ts).
      const listed = await step.do(`expired uploads ${batch}`, RETRIES, () =>
        listExpiredUploads(shard().db, job.nowMs),
      );
      const { db, bucket } = shard();
      expired += await step.do(`expire uploads ${batch}`, RETRIES, () => expireUploads(db, bucket, listed, job.nowMs));
      if (listed.length < EXPIRED_BATCH) break;
    }
    let abortedBodies = 0;
    for (let batch = 1; batch <= BATCHES_PER_RUN; batch++) {
      const n = await step.do(`stale bodies ${batch}`, RETRIES, () =>
        abortStaleBodies(shard().db, shard().bucket, job.nowMs),
      );
      abortedBodies += n;
      if (n < STALE_BATCH) break;
    }
    await step.do("old claims", RETRIES, () => dropOldClaims(shard().db, job.nowMs));
    console.log("shard sweep", job.shard, expired, abortedBodies);
    return { expired, abortedBodies };
  }

  private async sweepRegion(job: Extract<SweepJob, { kind: "region" }>, step: WorkflowStep) {
    const topology = () => readTopology(this.env);
    const bucket = () => {
      const found = topology().regions.get(job.region)?.bucket;
      if (!found) throw new Error(`sweep: region ${job.region} is not configured`);
      return found;
    };
    const dbs = () =>
      topology()
        .shardsIn(job.region)
        .map((shard) => createDb(shard.d1));
    let { phase = "orphans", cursor } = job;
    const report = { scanned: 0, orphans: 0, orphanTails: 0 };
    for (let pages = 0; ; pages++) {
      if (pages === (job.pagesPerInstance ?? PAGES_PER_INSTANCE)) {
        const next: SweepJob = { ...job, phase, cursor, part: (job.part ?? 1) + 1 };
        await step.do("continue", RETRIES, () => this.continueWith(next));
        return { ...report, continuedAs: sweepInstanceId(next) };
      }
      if (phase === "orphans") {
        const page = await step.do(`orphans ${pages + 1}`, RETRIES, async () => {
          const swept = await sweepOrphanPage(dbs(), bucket(), job.minAgeMs, job.nowMs, cursor);
          return { scanned: swept.scanned, deleted: swept.deleted.length, cursor: swept.cursor ?? null };
        });
        report.scanned += page.scanned;
        report.orphans += page.deleted;
        cursor = page.cursor ?? undefined;
        if (!cursor) phase = "tails";
      } else {
        const page = await step.do(`tails ${pages + 1}`, RETRIES, async () => {
          const swept = await sweepTailPage(dbs(), bucket(), job.nowMs, job.minAgeMs, cursor);
          return { orphanTails: swept.orphanTails, cursor: swept.cursor ?? null };
        });
        report.orphanTails += page.orphanTails;
        cursor = page.cursor ?? undefined;
        if (!cursor) break;
      }
    }
    console.log("region sweep", job.region, report.scanned, report.orphans, report.orphanTails);
    return report;
  }

  /** Starts the instance that goes on from here; its id is fixed by the job, so a retried step starts it once. */
  private async continueWith(next: SweepJob): Promise<void> {
    try {
      await this.env.SWEEP.create({ id: sweepInstanceId(next), params: next });
    } catch (error) {
      if (!/already exists/i.test(String(error))) throw error;
    }
  }
}
