#!/usr/bin/env node
// The run: tools, configuration, the three servers, then each scenario family in order (bench/scenarios/:
// transfers, requests (wrk, auth cost, latency), curl, memory); measuring and reporting live in bench/lib/.
// `npm run bench [-- --quick]`: the service's figures next to the two anchors, measured in the
// same run on the same machine: nginx WebDAV (a plain HTTP server writing files) and a raw R2
// worker under `wrangler dev` (the floor of the local stack). See docs/benchmarks.md.
//
//   node bench/run.mjs            full: 1, 50, 500 MB transfers, 1 GiB memory upload, wrk 10 s
//   node bench/run.mjs --quick    < 3 min: 1, 50 MB, 200 MiB memory upload, wrk 3 s
//   node bench/run.mjs --render bench/results/run-full.json   re-render table/chart/docs only
//   --only=transfer,wrk,latency,curl,memory  run some sections (for working on the bench)
//   --no-docs                     do not touch docs/ (results JSON and stdout only)
//
// It starts and stops every server it uses (127.0.0.1 only, process groups killed on exit, every
// loop and wait bounded). Needs nginx with the dav module (apt: nginx-full), wrk and curl.
import "../scripts/node22.mjs"; // Node >= 22.12 even when run directly by an older machine Node
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import { join } from "node:path";
import { buildReport, writeOutputs } from "./lib/report.mjs";
import { logTail, ROOT, startNginx, startWrangler, tempDir } from "./lib/servers.mjs";
import { AUTH, LOGIN, prepareState, snapshotProject, startService, treeHash } from "./lib/service.mjs";
import { curlExpect } from "./scenarios/curl.mjs";
import { memory } from "./scenarios/memory.mjs";
import { authOverhead, latency, smallObjects, wrk } from "./scenarios/requests.mjs";
import { transfers } from "./scenarios/transfers.mjs";

const argv = process.argv.slice(2);
const renderFrom = argv.includes("--render") ? argv[argv.indexOf("--render") + 1] : undefined;
const noDocs = argv.includes("--no-docs");
if (renderFrom) {
  const results = JSON.parse(readFileSync(renderFrom, "utf8"));
  const report = buildReport(results);
  console.log(report.markdown);
  writeOutputs(results, report, { docs: !noDocs, json: false });
  process.exit(0);
}

// The anchors need Debian's nginx (WebDAV module), wrk and curl. On a fresh machine, as root,
// install them (Debian's registry is reachable here); otherwise fail early with the fix.
const TOOLS = [
  ["nginx", ["-v"]],
  ["wrk", ["-v"]],
  ["curl", ["--version"]],
];
const missing = () =>
  TOOLS.filter(([cmd, args]) => spawnSync(cmd, args, { timeout: 30_000 }).error).map(([cmd]) => cmd);
if (missing().length > 0 && process.getuid?.() === 0) {
  console.error(`bench: installing ${missing().join(", ")} with apt-get`);
  spawnSync("apt-get", ["update", "-q"], { stdio: "inherit", timeout: 300_000 });
  spawnSync("apt-get", ["install", "-y", "-q", "nginx-full", "wrk", "curl"], {
    stdio: "inherit",
    timeout: 300_000,
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
}
for (const cmd of missing()) {
  console.error(
    `bench: '${cmd}' not found. Install the tools: apt-get update && apt-get install -y nginx-full wrk curl`,
  );
  process.exit(1);
}

const quick = argv.includes("--quick");
const only = argv
  .find((a) => a.startsWith("--only="))
  ?.slice(7)
  .split(",");
const want = (s) => !only || only.includes(s);
const MiB = 1024 * 1024;
const CFG = {
  sizesMB: quick ? [1, 50] : [1, 50, 500],
  runs: { 1: quick ? 7 : 9, 50: 3, 500: 2 },
  // Downloads are short (50 MB in ~50 ms), so more runs for a stable median.
  downloadRuns: { 1: 15, 50: 7, 500: 3 },
  wrkSecs: quick ? 3 : 10,
  concs: [1, 16, 64],
  listRows: 100_000,
  latencyN: quick ? 40 : 100,
  memBytes: quick ? 200 * MiB : 1024 * MiB,
  curlRuns: 3,
  deepPage: 19_000,
};
const started = Date.now();
// Hard bound on the whole run; process.exit also kills the servers (servers.mjs exit hook).
const deadline = setTimeout(
  () => {
    console.error(`bench: deadline exceeded after ${((Date.now() - started) / 1000).toFixed(0)} s`);
    process.exit(2);
  },
  (quick ? 175 : 1500) * 1000,
);
deadline.unref();

const log = (...a) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s]`, ...a);
const version = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 30_000 });
  return `${r.stdout ?? ""}${r.stderr ?? ""}`.split("\n")[0].trim();
};

const results = {
  date: new Date().toISOString(),
  mode: quick ? "quick" : "full",
  quick,
  config: CFG,
  machine: {
    nproc: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "",
    memTotalMiB: Math.round(os.totalmem() / MiB),
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    // Other work on the machine skews everything (2 cores): keep the load seen around the run.
    loadavgStart: os.loadavg().map((x) => Number(x.toFixed(2))),
  },
  versions: {
    node: process.version,
    wrangler: version(process.execPath, [join(ROOT, "node_modules/wrangler/bin/wrangler.js"), "--version"]),
    nginx: version("nginx", ["-v"]),
    wrk: version("wrk", ["-v"]),
    curl: version("curl", ["--version"]),
    commit: version("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"]),
    dirty: spawnSync("git", ["-C", ROOT, "status", "--porcelain", "src"], { encoding: "utf8" }).stdout?.trim()
      ? "src has uncommitted changes"
      : "",
  },
  seed: null,
  transfer: [],
  wrk: [],
  latency: [],
  memory: [],
  curlExpect: [],
  errors: [],
};

const tmp = tempDir("bench-run-");
// The service runs from a copy of src/ taken now, so edits made during the run do not restart it.
const svcConfig = snapshotProject();
results.versions.srcHash = treeHash(join(svcConfig, "..", "src"));
const svcState = tempDir("bench-service-");
let nginx, raw, svc;
// What every scenario reads and writes; the servers are added as they start.
const run = { CFG, results, log, started, tmp };
try {
  log(`mode ${results.mode}; preparing the service state (${CFG.listRows} rows) and starting nginx + raw worker`);
  const seedRows = want("latency") ? CFG.listRows : 0;
  // allSettled + assignment as each starts: a failure elsewhere must still stop what did start.
  const [seed] = await Promise.allSettled([
    prepareState(svcState, seedRows, tmp, svcConfig),
    startNginx().then((s) => {
      nginx = s;
    }),
    startWrangler({ config: "bench/raw-worker/wrangler.toml" }).then((s) => {
      raw = s;
    }),
  ]).then((all) => {
    for (const x of all) if (x.status === "rejected") throw x.reason;
    return all.map((x) => x.value);
  });
  results.seed = seed;
  log(`seeded ${seed.rows} rows in ${seed.seconds.toFixed(1)} s; starting the service`);
  svc = await startService(svcState, svcConfig);
  Object.assign(run, { nginx, raw, svc });
  // Warm-up: bootstrap admin + PBKDF2 once (then the credential cache), and bundle/first-request costs.
  const warm = await new Promise((res, rej) =>
    http
      .get(`${svc.baseUrl}/tenant/currentTenant`, { headers: { authorization: AUTH } }, (x) => {
        x.resume();
        x.on("end", () => res(x.statusCode));
      })
      .on("error", rej),
  );
  if (warm !== 200) throw new Error(`service login ${LOGIN.user}:${LOGIN.password} failed: HTTP ${warm}`);
  log(`service up at ${svc.baseUrl}`);

  if (want("transfer")) await transfers(run);
  if (want("wrk") || want("latency")) {
    const small = await smallObjects(run);
    if (want("wrk")) await wrk(run, small);
    if (want("wrk")) await authOverhead(run);
    if (want("latency")) await latency(run, small);
  }
  if (want("curl")) await curlExpect(run);
  if (want("memory")) await memory(run);
} catch (e) {
  for (const [name, s] of [
    ["service", svc],
    ["raw worker", raw],
  ]) {
    if (s) log(`${name} log tail:\n${logTail(s)}`);
  }
  throw e;
} finally {
  await Promise.all([nginx?.stop(), raw?.stop(), svc?.stop()]);
  rmSync(tmp, { recursive: true, force: true });
  rmSync(svcState, { recursive: true, force: true });
  rmSync(join(svcConfig, ".."), { recursive: true, force: true });
}

results.seconds = (Date.now() - started) / 1000;
results.machine.loadavgEnd = os.loadavg().map((x) => Number(x.toFixed(2)));
const report = buildReport(results);
console.log(report.markdown);
const files = writeOutputs(results, report, { docs: !noDocs && !only, json: true });
log(`done in ${results.seconds.toFixed(0)} s; wrote ${files.join(", ")}`);
