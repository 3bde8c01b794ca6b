// Measurement helpers: streamed upload/download timing, medians, a wrk runner and a markdown table.
// Sizes and rates are decimal: 1 MB = 1e6 bytes, MB/s = 1e6 bytes per second.

import { spawn } from "node:child_process";
import http from "node:http";

export const MB = 1_000_000;

// One shared 64 KiB block of non-repeating-looking bytes: the upload streams it over and over, so
// a 1 GB upload costs 64 KiB of memory on our side and the server's memory is what we observe.
const BLOCK = Buffer.alloc(64 * 1024);
for (let i = 0; i < BLOCK.length; i++) BLOCK[i] = (i * 2654435761) >>> 24;

/**
 * Write `bytes` bytes of the shared block through `write` (one of upload()'s body writers), so a
 * custom body (e.g. multipart framing around the file) streams as cheaply as a plain upload.
 * @param {(b: Buffer) => Promise<void>} write
 * @param {number} bytes
 */
export async function writeBytes(write, bytes) {
  for (let left = bytes; left > 0; left -= BLOCK.length)
    await write(left >= BLOCK.length ? BLOCK : BLOCK.subarray(0, left));
}

/**
 * Upload `bytes` bytes to url, streamed, timed from request start to the end of the response.
 * Content-Length is explicit unless chunked; no `Expect: 100-continue` is sent (Node never adds it).
 * @param {string} url
 * @param {number} bytes
 * @param {{method?: string, chunked?: boolean, headers?: object,
 *   body?: (w: (b: Buffer) => Promise<void>) => Promise<void>, timeoutMs?: number}} [opts]
 *   body: optional custom writer (e.g. multipart framing) that calls w() for each piece;
 *   then `bytes` must be the exact total it writes unless chunked
 * @returns {Promise<{status: number, seconds: number, mbps: number, bytes: number, body: string, headers: object}>}
 */
export function upload(url, bytes, { method = "PUT", chunked = false, headers = {}, body, timeoutMs = 600_000 } = {}) {
  return new Promise((resolve, reject) => {
    const h = { "content-type": "application/octet-stream", ...headers };
    if (chunked) h["transfer-encoding"] = "chunked";
    else h["content-length"] = String(bytes);
    const t0 = process.hrtime.bigint();
    const req = http.request(url, { method, headers: h, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => {
        if (text.length < 64 * 1024) text += d;
      });
      res.on("end", () => {
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        resolve({
          status: res.statusCode,
          seconds,
          mbps: bytes / MB / seconds,
          bytes,
          body: text,
          headers: res.headers,
        });
      });
      res.on("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`upload to ${url} timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
    // Honour backpressure: wait for 'drain' instead of buffering the whole body in memory.
    const w = (b) => (req.write(b) ? Promise.resolve() : new Promise((r) => req.once("drain", r)));
    const send =
      body ??
      (async (write) => {
        for (let left = bytes; left > 0; left -= BLOCK.length)
          await write(left >= BLOCK.length ? BLOCK : BLOCK.subarray(0, left));
      });
    send(w).then(
      () => req.end(),
      (e) => req.destroy(e),
    );
  });
}

/**
 * GET url, discarding the body; timed from request start to the last byte.
 * @param {string} url
 * @param {{headers?: object, timeoutMs?: number}} [opts]
 * @returns {Promise<{status: number, seconds: number, mbps: number, bytes: number, headers: object}>}
 */
export function download(url, { headers = {}, timeoutMs = 600_000 } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.get(url, { headers, agent: false }, (res) => {
      let bytes = 0;
      res.on("data", (d) => {
        bytes += d.length;
      });
      res.on("end", () => {
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        resolve({ status: res.statusCode, seconds, mbps: bytes / MB / seconds, bytes, headers: res.headers });
      });
      res.on("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`download of ${url} timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
  });
}

/**
 * Median of a list of numbers (mean of the middle two for even lengths).
 * @param {number[]} xs
 */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Run fn k times in sequence; return the run with the median `seconds` plus all runs.
 * Throws if any run's status is not 2xx, so a broken server never shows up as "fast".
 * @template {{seconds: number, status?: number}} T
 * @param {number} k
 * @param {(i: number) => Promise<T>} fn
 * @returns {Promise<T & {runs: T[]}>}
 */
export async function medianOf(k, fn) {
  const runs = [];
  for (let i = 0; i < k; i++) {
    const r = await fn(i);
    if (r.status !== undefined && (r.status < 200 || r.status > 299))
      throw new Error(`run ${i}: HTTP ${r.status} ${r.body ?? ""}`);
    runs.push(r);
  }
  const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
  return { ...sorted[(k - 1) >> 1], runs };
}

const UNIT = { us: 1e-3, ms: 1, s: 1e3, m: 6e4 };
const toMs = (s) => {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(s);
  return m ? Number(m[1]) * UNIT[m[2]] : NaN;
};

/**
 * Run `wrk -t<threads> -c<conc> -d<secs>s --latency url` and parse its summary.
 * @param {string} url
 * @param {{conc?: number, secs?: number, threads?: number, auth?: string, headers?: string[]}} [opts]
 *   auth: full Authorization header value, e.g. 'Basic dDEvYWRtaW46cHc='; headers: extra 'Name: value' lines
 * @returns {Promise<{rps: number, p50ms: number, p99ms: number, requests: number, non2xx: number,
 *   socketErrors: string|null, raw: string}>}
 */
export function runWrk(url, { conc = 1, secs = 5, threads = 1, auth, headers = [] } = {}) {
  const args = [`-t${Math.min(threads, conc)}`, `-c${conc}`, `-d${secs}s`, "--latency"];
  for (const h of [...(auth ? [`Authorization: ${auth}`] : []), ...headers]) args.push("-H", h);
  args.push(url);
  return new Promise((resolve, reject) => {
    const p = spawn("wrk", args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d) => {
      out += d;
    });
    p.stderr.on("data", (d) => {
      out += d;
    });
    // wrk ends by itself after secs; the kill is only a backstop against a hung run.
    const kill = setTimeout(() => p.kill("SIGKILL"), (secs + 30) * 1000);
    const onExit = () => p.kill("SIGKILL"); // do not leave wrk hammering a port after we are gone
    process.once("exit", onExit);
    p.on("close", () => process.off("exit", onExit));
    p.on("error", (e) => {
      clearTimeout(kill);
      reject(new Error(`wrk: ${e.message} (apt-get install wrk)`));
    });
    p.on("close", (code) => {
      clearTimeout(kill);
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
      if (code !== 0 || !Number.isFinite(rps)) return reject(new Error(`wrk failed (${code}):\n${out}`));
      const pct = (p) => toMs(new RegExp(`^\\s+${p}%\\s+(\\S+)`, "m").exec(out)?.[1] ?? "");
      resolve({
        rps,
        p50ms: pct(50),
        p99ms: pct(99),
        requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN),
        non2xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0),
        socketErrors: /Socket errors:.*/.exec(out)?.[0] ?? null,
        raw: out,
      });
    });
  });
}

/**
 * Render rows as a GitHub markdown table.
 * @param {string[]} columns header names, also the keys read from each row
 * @param {object[]} rows values; numbers are shown with up to 2 decimals
 * @returns {string}
 */
export function markdownTable(columns, rows) {
  const fmt = (v) => (typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : String(v ?? ""));
  const lines = [`| ${columns.join(" | ")} |`, `|${columns.map(() => "---").join("|")}|`];
  for (const r of rows) lines.push(`| ${columns.map((c) => fmt(r[c])).join(" | ")} |`);
  return lines.join("\n");
}
