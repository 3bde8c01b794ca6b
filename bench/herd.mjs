#!/usr/bin/env node
// Does the credential cache's expiry (60 s TTL, src/auth/credential-cache.ts) stall concurrent
// clients? wrk -c64 for 10 s well inside the TTL, then 10 s across the moment the cached login
// expires: every in-flight request with that header then misses at once and runs its own
// verification (D1 user + failures lookups, PBKDF2 100,000 iterations). Usage: node bench/herd.mjs
import "../scripts/node22.mjs"; // Node >= 22.12 even when run directly by an older machine Node
import { join } from "node:path";
import { runWrk } from "./lib/measure.mjs";
import { tempDir } from "./lib/servers.mjs";
import { AUTH, postSmall, prepareState, snapshotProject, startService } from "./lib/service.mjs";

const t = setTimeout(() => {
  console.error("herd: deadline exceeded");
  process.exit(2);
}, 300_000);
t.unref();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const tmp = tempDir("bench-herd-");
const cfg = snapshotProject();
await prepareState(join(tmp, "s"), 0, tmp, cfg);
const svc = await startService(join(tmp, "s"), cfg);
try {
  const id = await postSmall(svc.baseUrl); // first authenticated request: the login is cached from now on
  const t0 = Date.now();
  const url = `${svc.baseUrl}/inventory/binaries/${id}`;
  const inside = await runWrk(url, { conc: 64, secs: 10, auth: AUTH });
  await sleep(Math.max(0, t0 + 55_000 - Date.now()));
  const across = await runWrk(url, { conc: 64, secs: 10, auth: AUTH });
  const maxOf = (raw) => /Latency\s+\S+\s+\S+\s+(\S+)/.exec(raw)?.[1];
  console.log("| wrk -c64 -d10s, authenticated 1 KB GET | req/s | p50 ms | p99 ms | max |\n|---|---|---|---|---|");
  console.log(
    `| 0–10 s after login (cache warm) | ${inside.rps} | ${inside.p50ms} | ${inside.p99ms} | ${maxOf(inside.raw)} |`,
  );
  console.log(
    `| 55–65 s after login (entry expires at 60 s) | ${across.rps} | ${across.p50ms} | ${across.p99ms} | ` +
      `${maxOf(across.raw)} |`,
  );
} finally {
  await svc.stop();
}
