#!/usr/bin/env node
// Long because: it orders every bench section (servers, transfers, wrk, memory) in one run; measuring and
// reporting live in bench/lib/.
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
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import { join } from "node:path";
import { download, MB, median, runWrk, upload } from "./lib/measure.mjs";
import { buildReport, writeOutputs } from "./lib/report.mjs";
import { descendantPids, ROOT, rssKb, startNginx, startRssSampler, startWrangler, tempDir } from "./lib/servers.mjs";
import {
  AUTH,
  clientShapeBody,
  filesizeFirstBody,
  LOGIN,
  prepareState,
  snapshotProject,
  startService,
  treeHash,
} from "./lib/service.mjs";

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
const IDENTITY = { "accept-encoding": "identity" };
const SVC_HEADERS = { authorization: AUTH, accept: "application/json" };

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

/**
 * wrangler dev answers 503 "Your worker restarted mid-request" when workerd restarts under a
 * request (seen once in a 500 MB POST on a loaded machine, with no file change and nothing in the
 * log). Retry such a request once, and record that it happened.
 */
async function retryRestart(what, fn) {
  let r, problem;
  try {
    r = await fn();
    if (r.status !== 503 || !/restarted mid-request/.test(r.body ?? "")) return r;
    problem = '503 "worker restarted mid-request"';
  } catch (e) {
    // The same failure can surface as a reset connection while the body is still being sent.
    if (!["ECONNRESET", "EPIPE"].includes(e.code)) throw new Error(`${what}: ${e.message}`);
    problem = e.code;
  }
  const note = `${what}: ${problem} at ${((Date.now() - started) / 1000).toFixed(0)} s, retried once`;
  results.errors.push(note);
  log(note);
  if (svc) {
    mkdirSync(join(ROOT, "bench/results"), { recursive: true });
    writeFileSync(join(ROOT, "bench/results/service-log-tail.txt"), svc.log());
  }
  await new Promise((res) => setTimeout(res, 2000));
  return fn();
}

/** POST a binary, return its id (throws on non-2xx). */
async function postBinary(base, size, shape, name) {
  const object = { name, type: "bench/binary" };
  const b = shape === "client" ? clientShapeBody(size, object) : filesizeFirstBody(size, object);
  const r = await retryRestart(`POST ${shape} ${size} B`, () =>
    upload(`${base}/inventory/binaries`, b.totalBytes, {
      method: "POST",
      chunked: shape === "client",
      headers: { ...SVC_HEADERS, ...b.headers },
      body: b.body,
    }),
  );
  if (r.status !== 201) throw new Error(`POST ${shape} ${size} B: HTTP ${r.status} ${r.body.slice(0, 300)}`);
  const id = JSON.parse(r.body).id;
  return { ...r, id, mbps: size / MB / r.seconds, bytes: size };
}

function del(base, id) {
  return new Promise((res, rej) => {
    const req = http.request(
      `${base}/inventory/binaries/${id}`,
      { method: "DELETE", headers: { authorization: AUTH }, agent: false },
      (r) => {
        r.resume();
        r.on("end", () => res(r.statusCode));
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error("DELETE timed out")));
    req.on("error", rej);
    req.end();
  });
}

/** Median latency of n sequential GETs on one keep-alive connection (after 3 warm-up requests). */
async function seqLatency(url, n, headers = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const times = [];
  try {
    for (let i = 0; i < n + 3; i++) {
      const t0 = process.hrtime.bigint();
      const { status, bytes } = await new Promise((res, rej) => {
        const req = http.get(url, { agent, headers: { ...IDENTITY, ...headers } }, (r) => {
          let bytes = 0;
          r.on("data", (d) => {
            bytes += d.length;
          });
          r.on("end", () => res({ status: r.statusCode, bytes }));
          r.on("error", rej);
        });
        req.setTimeout(30_000, () => req.destroy(new Error(`GET ${url} timed out`)));
        req.on("error", rej);
      });
      if (status !== 200) throw new Error(`GET ${url}: HTTP ${status}`);
      if (i >= 3) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (i === 3) times.bytes = bytes;
    }
  } finally {
    agent.destroy();
  }
  const s = [...times].sort((a, b) => a - b);
  return {
    medianMs: median(s),
    p90Ms: s[Math.floor(s.length * 0.9)],
    minMs: s[0],
    maxMs: s[s.length - 1],
    n,
    bodyBytes: times.bytes,
  };
}

/** Summed RSS (KiB) of a process and its descendants, sampled until stop() (for nginx: master + workers). */
function treeRssSampler(pid, intervalMs = 100) {
  const pids = [pid, ...descendantPids(pid)];
  const read = () => pids.reduce((a, p) => a + rssKb(p), 0);
  const startKb = read();
  let peakKb = startKb,
    samples = 1;
  const t = setInterval(() => {
    peakKb = Math.max(peakKb, read());
    if (++samples > 100_000) clearInterval(t);
  }, intervalMs);
  t.unref();
  return {
    stop: () => {
      clearInterval(t);
      const endKb = read();
      return { startKb, peakKb: Math.max(peakKb, endKb), endKb, samples };
    },
  };
}

/** `curl` a file (PUT -T, or POST -F in the official shape), default Expect handling or disabled. */
function curlUpload(args, url, noExpect, runs) {
  const times = [],
    codes = [];
  for (let i = 0; i < runs; i++) {
    const a = [
      "-s",
      "-o",
      "/dev/null",
      "--max-time",
      "60",
      "-w",
      "%{http_code} %{time_total}",
      ...args,
      ...(noExpect ? ["-H", "Expect:"] : []),
      url,
    ];
    const [code, t] = execFileSync("curl", a, { encoding: "utf8", timeout: 90_000 }).trim().split(" ");
    codes.push(Number(code));
    if (code.startsWith("2")) times.push(Number(t));
  }
  if (!times.length) throw new Error(`curl ${url}: HTTP ${codes.join(", ")}`);
  return { seconds: median(times), runs: times, codes };
}

const tmp = tempDir("bench-run-");
// The service runs from a copy of src/ taken now, so edits made during the run do not restart it.
const svcConfig = snapshotProject();
results.versions.srcHash = treeHash(join(svcConfig, "..", "src"));
const svcState = tempDir("bench-service-");
let nginx, raw, svc;
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

  if (want("transfer")) {
    for (const mb of CFG.sizesMB) {
      const size = mb * MB,
        runs = CFG.runs[mb];
      const putTarget = (await postBinary(svc.baseUrl, 1024, "filesize", `put-target-${mb}mb.bin`)).id;
      const series = { nginx: [], raw: [], "post-client": [], "post-filesize": [], put: [] };
      let keepPosted;
      for (let i = 0; i < runs; i++) {
        // Interleaved, so drift (page cache, thermal, background) hits every target alike.
        series.nginx.push(
          await retryRestart(`nginx PUT ${size} B`, () => upload(`${nginx.baseUrl}/o/file-${mb}mb`, size)),
        );
        series.raw.push(await retryRestart(`raw PUT ${size} B`, () => upload(`${raw.baseUrl}/o/file-${mb}mb`, size)));
        const pc = await postBinary(svc.baseUrl, size, "client", `client-${mb}mb-${i}.bin`);
        series["post-client"].push(pc);
        const pf = await postBinary(svc.baseUrl, size, "filesize", `filesize-${mb}mb-${i}.bin`);
        series["post-filesize"].push(pf);
        series.put.push(
          await retryRestart(`PUT ${size} B`, () =>
            upload(`${svc.baseUrl}/inventory/binaries/${putTarget}`, size, {
              method: "PUT",
              headers: { authorization: AUTH },
            }),
          ),
        );
        await del(svc.baseUrl, pf.id);
        if (keepPosted) await del(svc.baseUrl, keepPosted);
        keepPosted = pc.id;
      }
      for (const [k, list] of Object.entries(series)) {
        for (const x of list)
          if (x.status < 200 || x.status > 299)
            throw new Error(`upload ${k} ${mb} MB: HTTP ${x.status} ${x.body ?? ""}`);
        const med = [...list].sort((a, b) => a.seconds - b.seconds)[(list.length - 1) >> 1];
        results.transfer.push({
          op: "upload",
          series: k,
          sizeMB: mb,
          seconds: med.seconds,
          mbps: size / MB / med.seconds,
          runs: list.map((x) => x.seconds),
        });
      }
      log(
        `upload ${mb} MB: ${results.transfer
          .slice(-5)
          .map((x) => `${x.series} ${x.mbps.toFixed(1)}`)
          .join(", ")} MB/s`,
      );

      const dl = { nginx: [], raw: [], "get-posted": [], "get-put": [] };
      const urls = {
        nginx: [`${nginx.baseUrl}/o/file-${mb}mb`, IDENTITY],
        raw: [`${raw.baseUrl}/o/file-${mb}mb`, IDENTITY],
        "get-posted": [`${svc.baseUrl}/inventory/binaries/${keepPosted}`, { ...IDENTITY, authorization: AUTH }],
        "get-put": [`${svc.baseUrl}/inventory/binaries/${putTarget}`, { ...IDENTITY, authorization: AUTH }],
      };
      for (let i = 0; i < CFG.downloadRuns[mb]; i++) {
        for (const [k, [url, headers]] of Object.entries(urls)) {
          const d = await download(url, { headers });
          if (d.status !== 200 || d.bytes !== size)
            throw new Error(`download ${k} ${mb} MB: HTTP ${d.status}, ${d.bytes} of ${size} bytes`);
          dl[k].push(d);
        }
      }
      for (const [k, list] of Object.entries(dl)) {
        const med = [...list].sort((a, b) => a.seconds - b.seconds)[(list.length - 1) >> 1];
        results.transfer.push({
          op: "download",
          series: k,
          sizeMB: mb,
          seconds: med.seconds,
          mbps: size / MB / med.seconds,
          runs: list.map((x) => x.seconds),
        });
      }
      log(
        `download ${mb} MB: ${results.transfer
          .slice(-4)
          .map((x) => `${x.series} ${x.mbps.toFixed(1)}`)
          .join(", ")} MB/s`,
      );
      await del(svc.baseUrl, keepPosted);
      await del(svc.baseUrl, putTarget);
    }
  }

  // 1 KB objects: nginx from disk, the raw worker's /small from R2, the service's binary via auth + D1 + R2.
  let smallId;
  if (want("wrk") || want("latency")) {
    const ns = await upload(`${nginx.baseUrl}/small`, 1024);
    if (ns.status >= 300) throw new Error(`nginx PUT /small: ${ns.status}`);
    const rs = await download(`${raw.baseUrl}/small`);
    if (rs.status !== 200 || rs.bytes !== 1024) throw new Error(`raw GET /small: ${rs.status} ${rs.bytes}`);
    smallId = (await postBinary(svc.baseUrl, 1024, "filesize", "small-1kb.bin")).id;
  }
  const smallUrls = () => ({
    nginx: `${nginx.baseUrl}/small`,
    raw: `${raw.baseUrl}/small`,
    service: `${svc.baseUrl}/inventory/binaries/${smallId}`,
  });

  if (want("wrk")) {
    for (const conc of CFG.concs) {
      for (const [target, url] of Object.entries(smallUrls())) {
        const w = await runWrk(url, { conc, secs: CFG.wrkSecs, auth: target === "service" ? AUTH : undefined });
        results.wrk.push({
          target,
          conc,
          rps: w.rps,
          p50ms: w.p50ms,
          p99ms: w.p99ms,
          requests: w.requests,
          non2xx: w.non2xx,
          socketErrors: w.socketErrors,
        });
        if (w.non2xx) results.errors.push(`wrk ${target} c=${conc}: ${w.non2xx} non-2xx responses`);
        log(
          `wrk ${target} c=${conc}: ${w.rps} req/s, p50 ${w.p50ms} ms, p99 ${w.p99ms} ms` +
            (w.non2xx ? `, ${w.non2xx} non-2xx` : ""),
        );
      }
    }
  }

  // What authentication itself costs : the same cheap endpoint with a cached login
  // vs. with no credentials (401), interleaved, median of 3, wrk c=16.
  if (want("wrk")) {
    const url = `${svc.baseUrl}/tenant/currentTenant`;
    const runs = { auth: [], unauth: [] };
    for (let i = 0; i < 3; i++) {
      runs.auth.push((await runWrk(url, { conc: 16, secs: Math.min(CFG.wrkSecs, 3), auth: AUTH })).rps);
      runs.unauth.push((await runWrk(url, { conc: 16, secs: Math.min(CFG.wrkSecs, 3) })).rps);
    }
    const med = (xs) => [...xs].sort((a, b) => a - b)[1];
    results.authOverhead = { authRps: med(runs.auth), unauthRps: med(runs.unauth), runs };
    log(`auth overhead: authenticated ${med(runs.auth)} req/s vs unauthenticated (401) ${med(runs.unauth)} req/s`);
  }

  if (want("latency")) {
    const N = CFG.latencyN;
    const auth = { authorization: AUTH };
    const list = (q) => `${svc.baseUrl}/inventory/binaries${q}`;
    const u = smallUrls();
    const cases = [
      ["nginx", "get-1kb", u.nginx, {}],
      ["raw", "get-1kb", u.raw, {}],
      ["service", "get-1kb", u.service, auth],
      ["service", "metadata", `${svc.baseUrl}/inventory/managedObjects/${smallId}`, auth],
      ["service", "list-page1", list(""), auth],
      ["service", "list-deep", list(`?pageSize=5&currentPage=${CFG.deepPage}`), auth],
      ["service", "list-total", list("?withTotalPages=true"), auth],
      ["service", "list-page1-2000", list("?pageSize=2000"), auth],
    ];
    for (const [target, what, url, headers] of cases) {
      const r = await seqLatency(url, what === "list-page1-2000" ? Math.min(N, 20) : N, headers);
      results.latency.push({ target, what, url: url.replace(/^http:\/\/[^/]+/, ""), ...r });
      log(`latency ${target} ${what}: median ${r.medianMs.toFixed(2)} ms (p90 ${r.p90Ms.toFixed(2)})`);
    }
  }

  if (want("curl")) {
    // curl sends `Expect: 100-continue` on bodies over 1 MB and waits up to 1 s for a 100 that
    // wrangler dev never sends. 2 MB file: PUT -T to each target, and the official POST shape.
    const file = join(tmp, "two-mb.bin");
    writeFileSync(file, Buffer.alloc(2 * MB, 7));
    const putId = (await postBinary(svc.baseUrl, 1024, "filesize", "curl-target.bin")).id;
    const cases = [
      ["nginx", "put", ["-T", file], `${nginx.baseUrl}/o/curl-2mb`],
      ["raw", "put", ["-T", file], `${raw.baseUrl}/o/curl-2mb`],
      [
        "service",
        "post",
        [
          "-u",
          `${LOGIN.user}:${LOGIN.password}`,
          "-F",
          `file=@${file};filename=curl-2mb.bin`,
          "--form-string",
          'object={"name":"curl-2mb.bin","type":"bench/curl"}',
        ],
        `${svc.baseUrl}/inventory/binaries`,
      ],
      [
        "service",
        "put",
        ["-u", `${LOGIN.user}:${LOGIN.password}`, "-T", file],
        `${svc.baseUrl}/inventory/binaries/${putId}`,
      ],
    ];
    for (const [target, variant, args, url] of cases) {
      for (const noExpect of [false, true]) {
        const r = curlUpload(args, url, noExpect, CFG.curlRuns);
        results.curlExpect.push({ target, variant, expect: noExpect ? "disabled" : "default", ...r });
        log(
          `curl ${target} ${variant} 2 MB, Expect ${noExpect ? "disabled" : "default"}: ` +
            `${(r.seconds * 1000).toFixed(0)} ms`,
        );
      }
    }
  }

  if (want("memory")) {
    // workerd RSS while one big body streams through: the service's three upload shapes, and the
    // same body PUT to both anchors. Growth = peak during the upload - RSS just before it.
    const size = CFG.memBytes;
    const measure = async (target, variant, pid, fn, sampler = startRssSampler) => {
      const s = sampler(pid);
      const r = await fn();
      const m = s.stop();
      if (r.status < 200 || r.status > 299)
        throw new Error(`memory ${target} ${variant}: HTTP ${r.status} ${r.body ?? ""}`);
      results.memory.push({
        target,
        variant,
        bytes: size,
        ...m,
        growthMiB: (m.peakKb - m.startKb) / 1024,
        seconds: r.seconds,
        mbps: size / MB / r.seconds,
      });
      log(
        `memory ${target} ${variant} ${(size / MiB).toFixed(0)} MiB: ` +
          `+${((m.peakKb - m.startKb) / 1024).toFixed(1)} MiB (start ${(m.startKb / 1024).toFixed(0)}, peak ` +
          `${(m.peakKb / 1024).toFixed(0)}), ${(size / MB / r.seconds).toFixed(1)} MB/s`,
      );
      return r;
    };
    const pc = await measure("service", "post-client", svc.pid, () =>
      postBinary(svc.baseUrl, size, "client", "memory-client.bin"),
    );
    await del(svc.baseUrl, pc.id);
    const pf = await measure("service", "post-filesize", svc.pid, () =>
      postBinary(svc.baseUrl, size, "filesize", "memory-filesize.bin"),
    );
    await measure("service", "put", svc.pid, () =>
      retryRestart(`PUT ${size} B`, () =>
        upload(`${svc.baseUrl}/inventory/binaries/${pf.id}`, size, { method: "PUT", headers: { authorization: AUTH } }),
      ),
    );
    await del(svc.baseUrl, pf.id);
    await measure("raw", "put", raw.pid, () =>
      retryRestart(`raw PUT ${size} B`, () => upload(`${raw.baseUrl}/o/memory`, size)),
    );
    await measure("nginx", "put", nginx.pid, () => upload(`${nginx.baseUrl}/o/memory`, size), treeRssSampler);
  }
} catch (e) {
  for (const [name, s] of [
    ["service", svc],
    ["raw worker", raw],
  ]) {
    if (s)
      log(
        `${name} log tail:\n${s
          .log()
          .split("\n")
          .filter((l) => !l.includes("[wrangler:info]"))
          .slice(-30)
          .join("\n")}`,
      );
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
