// The requests bench/run.mjs's scenarios send: POST (both shapes) and DELETE of a binary, a retry for
// wrangler dev's "worker restarted mid-request", sequential GET latency, curl uploads, an RSS sampler for a
// process tree. `run` is the run's state (results, log, start time, the service once started).
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { MB, median, upload } from "./measure.mjs";
import { descendantPids, ROOT, sampleRss } from "./servers.mjs";
import { AUTH, clientShapeBody, filesizeFirstBody } from "./service.mjs";

export const IDENTITY = { "accept-encoding": "identity" };
const SVC_HEADERS = { authorization: AUTH, accept: "application/json" };

/**
 * wrangler dev answers 503 "Your worker restarted mid-request" when workerd restarts under a
 * request (seen once in a 500 MB POST on a loaded machine, with no file change and nothing in the
 * log). Retry such a request once, and record that it happened.
 */
export async function retryRestart(run, what, fn) {
  const { results, log, started, svc } = run;
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
export async function postBinary(run, base, size, shape, name) {
  const object = { name, type: "bench/binary" };
  const b = shape === "client" ? clientShapeBody(size, object) : filesizeFirstBody(size, object);
  const r = await retryRestart(run, `POST ${shape} ${size} B`, () =>
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

/** DELETE a binary; resolves with the status. */
export function del(base, id) {
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
export async function seqLatency(url, n, headers = {}) {
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
export function treeRssSampler(pid, intervalMs = 100) {
  return sampleRss([pid, ...descendantPids(pid)], { intervalMs });
}

/** `curl` a file (PUT -T, or POST -F in the official shape), default Expect handling or disabled. */
export function curlUpload(args, url, noExpect, runs) {
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
