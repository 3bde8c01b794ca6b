import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { readConfig } from "../config";
import { readTopology } from "../shards/topology";
import { copyBytes, copyTable, freeze, MOVED_TABLES, type MovePlan, removeOld, switchOver } from "./move";

/** Each step is retried this often (with backoff) before the instance errors; re-running it is safe. */
const RETRIES = { retries: { limit: 5, delay: "2 seconds" as const, backoff: "exponential" as const } };

/**
 * A tenant's move to another shard as a Cloudflare Workflow (issue 19): every step is recorded and
 * retried by the engine, so a move interrupted at any step (a crash, a deploy) goes on from there,
 * and each step may run twice without harm (tenants/move.ts). Started by POST
 * /tenant/tenants/{id}/move (docs/api.md#shards-and-regions).
 */
export class MoveTenantWorkflow extends WorkflowEntrypoint<Env, MovePlan> {
  override async run(
    event: Readonly<WorkflowEvent<MovePlan>>,
    step: WorkflowStep,
  ): Promise<{ rows: number; objects: number }> {
    const plan = event.payload;
    const topology = () => readTopology(this.env);
    await step.do("freeze", RETRIES, () => freeze(topology(), plan));
    let rows = 0;
    for (const table of MOVED_TABLES)
      rows += await step.do(`copy ${table}`, RETRIES, () => copyTable(topology(), plan, table));
    const objects = await step.do("copy bytes", RETRIES, () => copyBytes(topology(), plan));
    await step.do("switch", RETRIES, () => switchOver(topology(), plan));
    // Isolates that still remember the old shard notice the move at their next login re-check.
    await step.sleep("drain", `${Math.max(1, readConfig(this.env).authRecheckMs / 1000 + 5)} seconds`);
    await step.do("remove old copy", RETRIES, () => removeOld(topology(), plan));
    return { rows, objects };
  }
}
