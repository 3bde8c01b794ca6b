#!/usr/bin/env node
// Anchor benchmarks: what nginx (a plain HTTP server writing files) and a raw R2 worker under
// `wrangler dev` (the floor of the local stack) achieve on this machine. The service's own numbers
// only mean something next to these. Usage: node bench/anchors.mjs [--quick]
// Needs: nginx with the dav module (apt: nginx-full), wrk, curl.
import "../scripts/node22.mjs"; // Node >= 22.12 even when run directly by an older machine Node
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { download, MB, markdownTable, median, medianOf, runWrk, upload } from "./lib/measure.mjs";
import { logTail, ROOT, startNginx, startRssSampler, startWrangler, tempDir, workerdRssKb } from "./lib/servers.mjs";

const quick = process.argv.includes("--quick");
const SIZES_MB = quick ? [1, 50] : [1, 50, 500];
const RUNS = 3;
const WRK_SECS = quick ? 3 : 10;
const CONCS = [1, 16, 64];
// Hard bound on the whole run; process.exit also kills the servers (see servers.mjs).
const deadline = setTimeout(
  () => {
    console.error("anchors: deadline exceeded");
    process.exit(2);
  },
  (quick ? 170 : 1200) * 1000,
);
deadline.unref();

const log = (...a) => console.error("[anchors]", ...a);
// nginx -v and wrk -v print to stderr (wrk also exits 1), so read both streams and ignore the status.
const version = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 30_000 });
  return `${r.stdout ?? ""}${r.stderr ?? ""}`.split("\n")[0].trim();
};

/** Time `curl -T file url` (optionally without the Expect header): median seconds of the 2xx runs. */
function curlPut(file, url, noExpect) {
  const times = [],
    codes = [];
  for (let i = 0; i < RUNS; i++) {
    const args = [
      "-s",
      "-o",
      "/dev/null",
      "--max-time",
      "30",
      "-w",
      "%{http_code} %{time_total}",
      "-T",
      file,
      ...(noExpect ? ["-H", "Expect:"] : []),
      url,
    ];
    const [code, t] = execFileSync("curl", args, { encoding: "utf8" }).trim().split(" ");
    codes.push(Number(code));
    if (code.startsWith("2")) times.push(Number(t));
  }
  // One stray failure (seen once: a 503 from wrangler dev) should not lose the whole run.
  if (!times.length) throw new Error(`curl -T ${url}: HTTP ${codes.join(", ")}`);
  return { seconds: median(times), runs: times, codes };
}

const results = {
  date: new Date().toISOString(),
  quick,
  cpus: cpus().length,
  node: process.version,
  versions: {
    nginx: version("nginx", ["-v"]),
    wrk: version("wrk", ["-v"]),
    curl: version("curl", ["--version"]),
    wrangler: version(process.execPath, [join(ROOT, "node_modules/wrangler/bin/wrangler.js"), "--version"]),
  },
  transfer: [],
  wrk: [],
  curlExpect: [],
  memory: [],
};

const tmp = tempDir("bench-anchors-");
let nginx, raw;
try {
  log("starting nginx and the raw worker");
  [nginx, raw] = await Promise.all([startNginx(), startWrangler({ config: "bench/raw-worker/wrangler.toml" })]);
  const targets = [
    { name: "nginx", base: nginx.baseUrl },
    { name: "raw-worker", base: raw.baseUrl },
  ];

  for (const mb of SIZES_MB) {
    for (const t of targets) {
      const url = `${t.base}/o/file-${mb}mb`;
      const sampler = t.name === "raw-worker" ? startRssSampler(raw.pid) : null;
      const up = await medianOf(RUNS, () => upload(url, mb * MB));
      const upMem = sampler?.stop();
      const sampler2 = t.name === "raw-worker" ? startRssSampler(raw.pid) : null;
      const down = await medianOf(RUNS, () => download(url));
      const downMem = sampler2?.stop();
      if (down.bytes !== mb * MB) throw new Error(`${t.name}: downloaded ${down.bytes} of ${mb * MB} bytes`);
      results.transfer.push({
        target: t.name,
        sizeMB: mb,
        op: "upload",
        seconds: up.seconds,
        mbps: up.mbps,
        runs: up.runs.map((r) => r.seconds),
      });
      results.transfer.push({
        target: t.name,
        sizeMB: mb,
        op: "download",
        seconds: down.seconds,
        mbps: down.mbps,
        runs: down.runs.map((r) => r.seconds),
      });
      if (upMem) results.memory.push({ target: t.name, sizeMB: mb, upload: upMem, download: downMem });
      log(`${t.name} ${mb} MB: up ${up.mbps.toFixed(1)} MB/s, down ${down.mbps.toFixed(1)} MB/s`);
    }
  }

  // 1 KB file for wrk: nginx serves it from disk, the raw worker reads it from R2 (warm it once first,
  // so the first-use put does not race under concurrency).
  const nginxSmall = await upload(`${nginx.baseUrl}/small`, 1024);
  if (nginxSmall.status >= 300) throw new Error(`nginx PUT /small: ${nginxSmall.status}`);
  const rawSmall = await download(`${raw.baseUrl}/small`);
  if (rawSmall.status !== 200 || rawSmall.bytes !== 1024)
    throw new Error(`raw GET /small: ${rawSmall.status} ${rawSmall.bytes}`);
  for (const t of targets) {
    for (const conc of CONCS) {
      const r = await runWrk(`${t.base}/small`, { conc, secs: WRK_SECS });
      if (r.non2xx || (r.socketErrors && !/connect 0, read 0, write 0, timeout 0/.test(r.socketErrors)))
        log(`wrk ${t.name} c=${conc}: ${r.non2xx} non-2xx, ${r.socketErrors}`);
      results.wrk.push({
        target: t.name,
        conc,
        rps: r.rps,
        p50ms: r.p50ms,
        p99ms: r.p99ms,
        non2xx: r.non2xx,
        socketErrors: r.socketErrors,
      });
      log(`wrk ${t.name} c=${conc}: ${r.rps} req/s, p50 ${r.p50ms.toFixed(2)} ms, p99 ${r.p99ms.toFixed(2)} ms`);
    }
  }

  // curl sends `Expect: 100-continue` for big bodies and waits (1 s by default) for a 100 that a
  // server may never send; measure what that costs on a 2 MB PUT.
  const file = join(tmp, "two-mb.bin");
  writeFileSync(file, Buffer.alloc(2 * MB, 7));
  for (const t of targets) {
    for (const noExpect of [false, true]) {
      const r = curlPut(file, `${t.base}/o/curl-2mb`, noExpect);
      results.curlExpect.push({
        target: t.name,
        expectHeader: noExpect ? 'disabled (-H "Expect:")' : "curl default",
        ...r,
      });
    }
  }
  results.workerdRssKbEnd = workerdRssKb(raw.pid);
} catch (e) {
  // wrangler's own complaints (not its per-request lines) usually explain a failure.
  if (raw) log(`raw worker log tail:\n${logTail(raw)}`);
  throw e;
} finally {
  await Promise.all([nginx?.stop(), raw?.stop()]);
  rmSync(tmp, { recursive: true, force: true });
}

// One row per measurement, nginx and raw worker side by side.
const pick = (arr, name, pred) => arr.find((x) => x.target === name && pred(x));
const rows = [];
for (const mb of SIZES_MB)
  for (const op of ["upload", "download"]) {
    const v = (n) => pick(results.transfer, n, (x) => x.sizeMB === mb && x.op === op).mbps;
    rows.push({
      measure: `${op} ${mb} MB (MB/s, median of ${RUNS})`,
      nginx: v("nginx"),
      "raw-worker": v("raw-worker"),
    });
  }
for (const conc of CONCS) {
  const w = (n) => pick(results.wrk, n, (x) => x.conc === conc);
  rows.push({ measure: `GET 1 KB, wrk c=${conc}: req/s`, nginx: w("nginx").rps, "raw-worker": w("raw-worker").rps });
  rows.push({
    measure: `GET 1 KB, wrk c=${conc}: p50 / p99 ms`,
    nginx: `${w("nginx").p50ms.toFixed(2)} / ${w("nginx").p99ms.toFixed(2)}`,
    "raw-worker": `${w("raw-worker").p50ms.toFixed(2)} / ${w("raw-worker").p99ms.toFixed(2)}`,
  });
}
for (const e of ["curl default", 'disabled (-H "Expect:")']) {
  const c = (n) => pick(results.curlExpect, n, (x) => x.expectHeader === e).seconds * 1000;
  rows.push({
    measure: `curl -T 2 MB, Expect ${e} (ms, median of ${RUNS})`,
    nginx: c("nginx"),
    "raw-worker": c("raw-worker"),
  });
}
for (const m of results.memory) {
  const g = (s) => ((s.peakKb - s.startKb) / 1024).toFixed(1);
  rows.push({
    measure: `workerd RSS growth ${m.sizeMB} MB up / down (MiB)`,
    nginx: "",
    "raw-worker": `${g(m.upload)} / ${g(m.download)}`,
  });
}
const table = markdownTable(["measure", "nginx", "raw-worker"], rows);
console.log(
  `## Anchors (${quick ? "quick" : "full"}, ${results.cpus} CPUs, ${results.versions.nginx}, wrangler ` +
    `${results.versions.wrangler})\n\n${table}`,
);
mkdirSync(join(ROOT, "bench/results"), { recursive: true });
writeFileSync(join(ROOT, "bench/results/anchors.json"), `${JSON.stringify({ ...results, table }, null, 2)}\n`);
log("wrote bench/results/anchors.json");
