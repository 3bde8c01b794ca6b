// The service in a simulated world: the real worker (src/index.ts) with every D1 round trip and R2
// operation delayed by a fixed latency (bench/world.mjs sets them with --var). Reads in a replica
// session wait WORLD_D1_REPLICA_MS, everything else that goes to D1 (writes, the primary session,
// the plain binding) WORLD_D1_PRIMARY_MS; every R2 call WORLD_R2_MS. With WORLD_D1_SERIAL each D1
// database (binding) answers one round trip at a time, as Cloudflare documents a D1 database to
// work (bench/shards.mjs). The Cache API is the data centre's own and gets no delay. Not part of
// the deployed worker.
import service from "../../src/index";
import { type BindingCall, proxyD1, proxyR2 } from "../../test/bindings-proxy";

interface WorldVars {
  WORLD_D1_PRIMARY_MS?: string;
  WORLD_D1_REPLICA_MS?: string;
  WORLD_R2_MS?: string;
  WORLD_D1_SERIAL?: string;
}

const sleep = (ms: number) => (ms > 0 ? new Promise<void>((resolve) => setTimeout(resolve, ms)) : undefined);
const isRead = (sql: string) => /^\s*(select|with)\b/i.test(sql);
const worlds = new WeakMap<object, Env>();

function delayOf(call: BindingCall, vars: WorldVars): number {
  if (call.kind === "r2") return Number(vars.WORLD_R2_MS ?? 0);
  const replica = call.session !== "first-primary" && call.session !== "binding" && call.statements.every(isRead);
  return Number((replica ? vars.WORLD_D1_REPLICA_MS : vars.WORLD_D1_PRIMARY_MS) ?? 0);
}

/** One database's queue: each round trip waits for the one before it, then for its own latency. */
function serialDelay(vars: WorldVars) {
  let tail: Promise<void> = Promise.resolve();
  return (call: BindingCall) => {
    const mine = tail.then(() => sleep(delayOf(call, vars)));
    tail = mine.catch(() => undefined);
    return mine;
  };
}

function world(env: Env): Env {
  let wrapped = worlds.get(env);
  if (!wrapped) {
    const vars = env as unknown as WorldVars;
    const delay = (call: BindingCall) => sleep(delayOf(call, vars));
    // Every shard's database and every region's bucket (issue 19) is as far away as the others.
    const all: Record<string, unknown> = { ...env };
    for (const [name, value] of Object.entries(env)) {
      const binding = value as Record<string, unknown>;
      if (typeof binding?.withSession === "function") {
        all[name] = proxyD1(value as D1Database, vars.WORLD_D1_SERIAL === "1" ? serialDelay(vars) : delay);
      } else if (typeof binding?.createMultipartUpload === "function") all[name] = proxyR2(value as R2Bucket, delay);
    }
    wrapped = all as unknown as Env;
    worlds.set(env, wrapped);
  }
  return wrapped;
}

// wrangler.toml names the Workflows' classes: the entry must export them too.
export { DeleteTenantWorkflow, MoveTenantWorkflow, SweepWorkflow } from "../../src/index";

export default {
  fetch: (request, env, ctx) => service.fetch(request, world(env), ctx),
  scheduled: (controller, env, ctx) => service.scheduled(controller, world(env), ctx),
} satisfies ExportedHandler<Env>;
