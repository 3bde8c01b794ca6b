// The raw worker anchor (bench/raw-worker) in the simulated world: the same R2 latency as the
// service gets (WORLD_R2_MS), nothing else.
import raw from "../raw-worker/index.js";

const sleep = (ms) => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : undefined);

function world(env) {
  const ms = Number(env.WORLD_R2_MS ?? 0);
  const bucket = env.BUCKET;
  const delayed =
    (name) =>
    async (...args) => {
      await sleep(ms);
      return bucket[name](...args);
    };
  return {
    ...env,
    BUCKET: { get: delayed("get"), put: delayed("put"), head: delayed("head"), delete: delayed("delete") },
  };
}

export default {
  fetch: (request, env, ctx) => raw.fetch(request, world(env), ctx),
};
