import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { readConfig } from "../config";
import { forgetCachedObjects, jobEdgeCache, MAX_FORGETS_PER_REQUEST } from "../downloads/edge-cache";
import { readTopology } from "../shards/topology";
import {
  type CopiedPage,
  copyBytesPage,
  copyTable,
  freeze,
  MOVED_TABLES,
  type MoveJob,
  REMOVE_PAGE,
  removeOldBytes,
  removeOldRows,
  rollbackCopy,
  rollbackUnfreeze,
  switchOver,
} from "./move";

/** Each step is retried this often (with backoff) before the instance errors; re-running it is safe. */
const RETRIES = { retries: { limit: 5, delay: "2 seconds" as const, backoff: "exponential" as const } };

/**
 * A tenant's move to another shard as a Cloudflare Workflow (issue 19): every step is recorded and
 * retried by the engine, so a move interrupted at any step (a crash, a deploy) goes on from there,
 * and each step may run twice without harm (tenants/move.ts). Started by POST
 * /tenant/tenants/{id}/move (docs/api.md#shards-and-regions); an instance that ended errored is
 * resumed (the same plan again) or rolled back (`rollback: true`) by a new instance (move-start.ts).
 */
export class MoveTenantWorkflow extends WorkflowEntrypoint<Env, MoveJob> {
  override async run(event: Readonly<WorkflowEvent<MoveJob>>, step: WorkflowStep): Promise<Record<string, unknown>> {
    const { rollback, ...plan } = event.payload;
    const topology = () => readTopology(this.env);
    if (rollback) {
      const objects = await step.do("rollback copy", RETRIES, () => rollbackCopy(topology(), plan));
      await step.do("rollback unfreeze", RETRIES, () => rollbackUnfreeze(topology(), plan));
      return { rolledBack: true, objects };
    }
    await step.do("freeze", RETRIES, () => freeze(topology(), plan));
    let rows = 0;
    for (const table of MOVED_TABLES)
      rows += await step.do(`copy ${table}`, RETRIES, () => copyTable(topology(), plan, table));
    // A step per page of objects (the first is "copy bytes", then "copy bytes 2", …): step names are the
    // engine's record keys, and one step's subrequests stay bounded. An instance runs at most ~1,000 steps:
    // about 200,000 objects to another region.
    let objects = 0;
    for (let page = 1, cursor: string | null = null; page === 1 || cursor; page++) {
      const from: string | undefined = cursor ?? undefined;
      const copied: CopiedPage = await step.do(page === 1 ? "copy bytes" : `copy bytes ${page}`, RETRIES, () =>
        copyBytesPage(topology(), plan, from),
      );
      objects += copied.copied;
      cursor = copied.cursor;
    }
    await step.do("switch", RETRIES, () => switchOver(topology(), plan));
    // Isolates that still remember the old shard notice the move at their next login re-check.
    await step.sleep("drain", `${Math.max(1, readConfig(this.env).authRecheckMs / 1000 + 5)} seconds`);
    await step.do("remove old copy", RETRIES, () => removeOldRows(topology(), plan));
    for (let batch = 1; ; batch++) {
      const removed = await step.do(
        batch === 1 ? "remove old bytes" : `remove old bytes ${batch}`,
        RETRIES,
        async () => {
          // Signed links name the old region: its cached bytes here go with them (elsewhere they expire
          // within EDGE_CACHE_TTL_SECONDS, docs/api.md#edge-cache).
          const edge = jobEdgeCache(this.env, plan.fromRegion);
          const budget = { left: MAX_FORGETS_PER_REQUEST };
          const n = await removeOldBytes(
            topology(),
            plan,
            (gone) => edge && forgetCachedObjects(edge.cache, gone, budget),
          );
          await edge?.settled();
          return n;
        },
      );
      if (removed < REMOVE_PAGE) break;
    }
    return { rows, objects };
  }
}
