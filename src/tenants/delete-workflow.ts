import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { readTopology } from "../shards/topology";
import {
  BYTES_PER_STEP,
  deleteBytes,
  deleteRemainingRows,
  deleteRows,
  releaseUploads,
  type TenantDeletion,
} from "./deletion";
import { RELEASE_BATCH } from "./open-uploads";

/** Each step is retried this often (with backoff) before the instance errors; re-running it is safe. */
const RETRIES = { retries: { limit: 5, delay: "5 seconds" as const, backoff: "exponential" as const } };

/**
 * The rest of a tenant's deletion as a Cloudflare Workflow (issue 19, tenants/deletion.ts), started by
 * DELETE /tenant/tenants/{id}: every step recorded and retried, each batch its own step, so a crash
 * goes on from the batch it was in.
 */
export class DeleteTenantWorkflow extends WorkflowEntrypoint<Env, TenantDeletion> {
  override async run(event: Readonly<WorkflowEvent<TenantDeletion>>, step: WorkflowStep) {
    const job = event.payload;
    const topology = () => readTopology(this.env);
    if (!(await step.do("rows", RETRIES, () => deleteRows(topology(), job)))) return { superseded: true };
    let uploads = 0;
    for (let batch = 1; ; batch++) {
      const n = await step.do(`uploads ${batch}`, RETRIES, () => releaseUploads(topology(), job));
      uploads += n;
      if (n < RELEASE_BATCH) break;
    }
    let objects = 0;
    for (let batch = 1; ; batch++) {
      const n = await step.do(`bytes ${batch}`, RETRIES, () => deleteBytes(topology(), job));
      objects += n;
      if (n < BYTES_PER_STEP) break;
    }
    await step.do("remaining rows", RETRIES, () => deleteRemainingRows(topology(), job));
    return { uploads, objects };
  }
}
