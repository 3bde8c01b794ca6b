#!/usr/bin/env node
// CPU-profile the worker (V8 inside workerd, through wrangler's inspector proxy) while one request
// shape runs, and print where the time goes (self time by function and by file). Used to explain
// the targets bench/run.mjs misses. Starts and stops its own servers.
//
//   node bench/profile.mjs [--case post-client|post-filesize|put|get|get-1kb|raw-put|raw-get|raw-small]
//     [--size-mb 50] [--runs 3]
//     [--out bench/results/profile-<case>.cpuprofile]   (open in Chrome DevTools > Performance)
//     [--heap]   instead of profiling: isolate JS heap vs workerd RSS during one run of the case
import "../scripts/node22.mjs"; // Node >= 22.12 even when run directly by an older machine Node
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { download, MB, upload } from "./lib/measure.mjs";
import { ROOT, startWrangler, tempDir } from "./lib/servers.mjs";
import {
  AUTH,
  clientShapeBody,
  filesizeFirstBody,
  prepareState,
  snapshotProject,
  startService,
} from "./lib/service.mjs";

// Node 20 has WebSocket only behind a flag: re-run ourselves with it.
if (typeof WebSocket === "undefined") {
  const r = spawnSync(process.execPath, ["--experimental-websocket", "--no-warnings", ...process.argv.slice(1)], {
    stdio: "inherit",
  });
  process.exit(r.status ?? 1);
}

const { values: o } = parseArgs({
  options: {
    case: { type: "string", default: "post-client" },
    "size-mb": { type: "string", default: "50" },
    runs: { type: "string", default: "3" },
    out: { type: "string" },
    heap: { type: "boolean", default: false },
  },
});
const size = Number(o["size-mb"]) * MB,
  runs = Number(o.runs);
const deadline = setTimeout(() => {
  console.error("profile: deadline exceeded");
  process.exit(2);
}, 600_000);
deadline.unref();

/** Minimal Chrome DevTools Protocol client over the inspector WebSocket. */
async function cdp(port) {
  const targets = await new Promise((res, rej) =>
    http
      .get(`http://127.0.0.1:${port}/json`, (r) => {
        let b = "";
        r.on("data", (d) => {
          b += d;
        });
        r.on("end", () => res(JSON.parse(b)));
      })
      .on("error", rej),
  );
  const t = targets.find((x) => x.webSocketDebuggerUrl) ?? targets[0];
  // The proxy wants an Origin it trusts (localhost) unless the client sends no User-Agent.
  const ws = new WebSocket(t.webSocketDebuggerUrl, { headers: { Origin: "http://localhost" } });
  await new Promise((res, rej) => {
    ws.onopen = res;
    ws.onerror = rej;
  });
  let id = 0;
  const pending = new Map();
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.id && pending.has(msg.id)) {
      pending.get(msg.id)(msg);
      pending.delete(msg.id);
    }
  };
  const send = (method, params = {}) =>
    new Promise((res, rej) => {
      const i = ++id;
      pending.set(i, (msg) => (msg.error ? rej(new Error(`${method}: ${msg.error.message}`)) : res(msg.result)));
      ws.send(JSON.stringify({ id: i, method, params }));
    });
  return { send, close: () => ws.close(), title: t.title };
}

/** Self time per function and per file from a V8 cpuprofile. */
function summarize(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++)
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (dt[i] ?? 0));
  const fn = new Map(),
    file = new Map();
  let total = 0;
  for (const [nid, us] of self) {
    const n = byId.get(nid);
    const cf = n.callFrame;
    const url = cf.url ? cf.url.replace(/^.*\/(node_modules\/|src\/|\.wrangler\/)/, "$1") : "(native)";
    const key = `${cf.functionName || "(anonymous)"}  ${url}${cf.lineNumber >= 0 ? `:${cf.lineNumber + 1}` : ""}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const fk = cf.url ? url.replace(/:\d+$/, "") : `(${cf.functionName})`;
    file.set(fk, (file.get(fk) ?? 0) + us);
    total += us;
  }
  // Inclusive time: a sample counts for every distinct function on its stack (root to leaf).
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const incl = new Map();
  for (const [nid, us] of self) {
    const seen = new Set();
    for (let p = nid; p !== undefined; p = parent.get(p)) {
      const cf = byId.get(p).callFrame;
      if (
        !cf.functionName ||
        cf.functionName === "(root)" ||
        cf.functionName === "(idle)" ||
        cf.functionName === "(program)"
      )
        continue;
      const url = cf.url ? cf.url.replace(/^.*\/(node_modules\/|src\/|\.wrangler\/)/, "$1") : "(native)";
      const key = `${cf.functionName}  ${url}${cf.lineNumber >= 0 ? `:${cf.lineNumber + 1}` : ""}`;
      if (seen.has(key)) continue;
      seen.add(key);
      incl.set(key, (incl.get(key) ?? 0) + us);
    }
  }
  const top = (m, k) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(
        ([name, us]) =>
          `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${name}`,
      );
  return { totalMs: total / 1000, functions: top(fn, 25), files: top(file, 15), inclusive: top(incl, 30) };
}

const tmp = tempDir("bench-profile-");
const raw = o.case.startsWith("raw");
const small = o.case === "get-1kb" || o.case === "raw-small";
let server;
try {
  if (raw) server = await startWrangler({ config: "bench/raw-worker/wrangler.toml" });
  else {
    const cfg = snapshotProject();
    const state = join(tmp, "state");
    await prepareState(state, 0, tmp, cfg);
    server = await startService(state, cfg);
  }
  const base = server.baseUrl;
  const hdr = { authorization: AUTH, accept: "application/json" };
  const post = async (shape, n) => {
    const b = (shape === "client" ? clientShapeBody : filesizeFirstBody)(n, { name: "p.bin", type: "bench/profile" });
    const r = await upload(`${base}/inventory/binaries`, b.totalBytes, {
      method: "POST",
      chunked: shape === "client",
      headers: { ...hdr, ...b.headers },
      body: b.body,
    });
    if (r.status !== 201) throw new Error(`POST: HTTP ${r.status} ${r.body}`);
    return { ...r, id: JSON.parse(r.body).id, mbps: n / MB / r.seconds };
  };
  // Warm up (login, first bundle load) and create what the case needs.
  let id;
  // --heap measures the first big body of the process, so it warms up with 1 MB only.
  if (!raw) id = (await post("filesize", o.case === "get-1kb" ? 1024 : o.heap ? MB : size)).id;
  else if (!small) await upload(`${base}/o/p`, o.heap ? MB : size);
  const one = {
    "post-client": () => post("client", size),
    "post-filesize": () => post("filesize", size),
    put: () => upload(`${base}/inventory/binaries/${id}`, size, { method: "PUT", headers: hdr }),
    get: () =>
      download(`${base}/inventory/binaries/${id}`, { headers: { authorization: AUTH, "accept-encoding": "identity" } }),
    "get-1kb": () => download(`${base}/inventory/binaries/${id}`, { headers: { authorization: AUTH } }),
    "raw-put": () => upload(`${base}/o/p`, size),
    "raw-get": () => download(`${base}/o/p`),
    "raw-small": () => download(`${base}/small`),
  }[o.case];
  if (!one) throw new Error(`unknown --case ${o.case}`);
  if (!o.heap) await one();
  const c = await cdp(server.inspectorPort);
  if (o.heap) {
    // Isolate JS heap (Runtime.getHeapUsage) vs the whole workerd RSS while the case runs once:
    // tells growth of the worker's own memory apart from the local runtime's (R2/D1 emulation, buffers).
    const { startRssSampler } = await import("./lib/servers.mjs");
    const rss = startRssSampler(server.pid);
    const h0 = await c.send("Runtime.getHeapUsage");
    let peakHeap = h0.usedSize,
      peakTotal = h0.totalSize,
      stop = false;
    const poll = (async () => {
      while (!stop) {
        const h = await c.send("Runtime.getHeapUsage");
        peakHeap = Math.max(peakHeap, h.usedSize);
        peakTotal = Math.max(peakTotal, h.totalSize);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const r = await one();
    stop = true;
    await poll;
    const m = rss.stop();
    c.close();
    const MiB = 1024 * 1024;
    console.log(`# ${o.case} ${o["size-mb"]} MB: HTTP ${r.status}, ${(r.mbps ?? 0).toFixed(1)} MB/s`);
    console.log(
      `isolate JS heap used: before ${(h0.usedSize / MiB).toFixed(1)} MiB, peak ${(peakHeap / MiB).toFixed(1)} ` +
        `MiB (heap total peak ${(peakTotal / MiB).toFixed(1)} MiB)`,
    );
    console.log(
      `workerd RSS: before ${(m.startKb / 1024).toFixed(0)} MiB, peak ${(m.peakKb / 1024).toFixed(0)} MiB ` +
        `(+${((m.peakKb - m.startKb) / 1024).toFixed(1)} MiB)`,
    );
    process.exitCode = 0;
  } else {
    await c.send("Profiler.enable");
    await c.send("Profiler.setSamplingInterval", { interval: 200 });
    await c.send("Profiler.start");
    const t0 = performance.now();
    const loops = small ? runs * 200 : runs;
    const mbps = [];
    for (let i = 0; i < loops; i++) {
      const r = await one();
      if (r.status > 299) throw new Error(`HTTP ${r.status}`);
      mbps.push(r.mbps);
    }
    const wallMs = performance.now() - t0;
    const { profile } = await c.send("Profiler.stop");
    c.close();
    const s = summarize(profile);
    const out = o.out ?? join(ROOT, `bench/results/profile-${o.case}.cpuprofile`);
    mkdirSync(join(out, ".."), { recursive: true });
    writeFileSync(out, JSON.stringify(profile));
    const rate =
      loops > 10
        ? `${(wallMs / loops).toFixed(2)} ms per request (sequential, new connection each)`
        : `${mbps.map((x) => x.toFixed(1)).join(" / ")} MB/s`;
    console.log(
      `# ${o.case}, ${loops} × ${small ? "1 KB" : `${o["size-mb"]} MB`}: wall ${wallMs.toFixed(0)} ms, ${rate}`,
    );
    console.log(
      `# JS thread busy (sampled, excluding idle/program): see below; profile total ${s.totalMs.toFixed(0)} ` +
        `ms; written to ${out}`,
    );
    console.log(`\n## self time by function\n${s.functions.join("\n")}`);
    console.log(`\n## self time by file\n${s.files.join("\n")}`);
    console.log(`\n## inclusive time by function (idle excluded)\n${s.inclusive.join("\n")}`);
  }
} finally {
  await server?.stop();
  rmSync(tmp, { recursive: true, force: true });
}
