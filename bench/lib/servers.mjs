// Start/stop the servers the benchmarks talk to: nginx (WebDAV PUT, the "plain HTTP server"
// anchor) and `wrangler dev` for any config (the raw R2 worker anchor, or the real service).
// Everything listens on 127.0.0.1 only; every wait is bounded.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Project root (bench/lib/../..), where node_modules/wrangler lives. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

// The /proc helpers (workerd pids, RSS sampling) live in proc.mjs; re-exported so callers need one import.
export * from "./proc.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Ask the kernel for a free loopback port (bind :0, read it, close).
 * @returns {Promise<number>}
 */
export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/**
 * Wait until an HTTP server answers on baseUrl (any status counts), or the child died.
 * @param {string} baseUrl
 * @param {{timeoutMs?: number, child?: import('node:child_process').ChildProcess}} [opts]
 */
export async function waitForHttp(baseUrl, { timeoutMs = 60_000, child } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null)
      throw new Error(`process exited (${child.exitCode}) before ${baseUrl} answered`);
    const ok = await new Promise((res) => {
      const req = http.get(`${baseUrl}/`, { agent: false, timeout: 2000 }, (r) => {
        r.resume();
        res(true);
      });
      req.on("error", () => res(false));
      req.on("timeout", () => {
        req.destroy();
        res(false);
      });
    });
    if (ok) return;
    await sleep(250);
  }
  throw new Error(`${baseUrl} did not answer within ${timeoutMs} ms`);
}

// Detached groups outlive us if we crash, so kill whatever is still running when this process exits
// (also on Ctrl-C / SIGTERM, which otherwise end Node without running 'exit' handlers), then remove
// the temp dirs. Only synchronous work is possible in an 'exit' handler.
const live = new Set();
const tempDirs = new Set();
let hooked = false;
function hookExit() {
  if (hooked) return;
  hooked = true;
  process.on("exit", () => {
    for (const pid of live) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
    for (const d of tempDirs) {
      try {
        rmSync(d, { recursive: true, force: true });
      } catch {
        /* busy */
      }
    }
  });
  // 'on', not 'once': `timeout` and terminals signal the whole group, so a second SIGINT can arrive
  // while the exit handler runs, and with no listener left it would kill us before the cleanup.
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(130));
}

/**
 * Make a temp dir that is removed when this process exits (even on Ctrl-C), unless removed before.
 * @param {string} prefix e.g. 'bench-x-'
 * @param {string} [parent] where to make it (default: the OS temp dir)
 * @returns {string}
 */
export function tempDir(prefix, parent = tmpdir()) {
  hookExit();
  mkdirSync(parent, { recursive: true });
  const d = mkdtempSync(join(parent, prefix));
  tempDirs.add(d);
  return d;
}

/** Spawn in its own process group so stop() also reaches grandchildren (workerd). Keeps a log tail. */
function spawnGroup(cmd, args, opts) {
  hookExit();
  const child = spawn(cmd, args, { ...opts, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  live.add(child.pid);
  child.once("exit", () => live.delete(child.pid));
  let log = "";
  const keep = (d) => {
    log = (log + d).slice(-20_000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  child.on("error", (e) => keep(`spawn ${cmd}: ${e.message}\n`)); // e.g. nginx not installed
  const stop = async (graceMs = 5000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      /* already gone */
    }
    const t = await Promise.race([exited.then(() => "ok"), sleep(graceMs).then(() => "slow")]);
    if (t === "slow") {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        /* gone */
      }
      await Promise.race([exited, sleep(2000)]);
    }
  };
  return { child, stop, log: () => log };
}

/**
 * Start nginx with WebDAV PUT on a free loopback port, serving and storing files under a temp root.
 * @param {{workers?: number, port?: number, timeoutMs?: number}} [opts] workers: nginx worker_processes (default 1,
 *   so it competes for the same CPU share as a single workerd isolate)
 * @returns {Promise<{baseUrl: string, root: string, pid: number, stop: () => Promise<void>, log: () => string}>}
 */
export async function startNginx({ workers = 1, port, timeoutMs = 15_000 } = {}) {
  port ??= await freePort();
  const dir = tempDir("bench-nginx-");
  const root = join(dir, "root");
  // Running as root, workers would default to "nobody" and could not write the 0700 temp dir.
  const user = process.getuid?.() === 0 ? "user root;" : "";
  const conf = `${user}
daemon off;
worker_processes ${workers};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  default_type application/octet-stream;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    client_max_body_size 0;
    location / {
      dav_methods PUT DELETE;
      create_full_put_path on;
      dav_access user:rw group:r all:r;
    }
  }
}
`;
  mkdirSync(root);
  writeFileSync(join(dir, "nginx.conf"), conf);
  // -e: the error log used before the config is read (the default under /var/log may not be writable).
  const g = spawnGroup("nginx", ["-p", dir, "-e", join(dir, "error.log"), "-c", join(dir, "nginx.conf")], {});
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(baseUrl, { timeoutMs, child: g.child });
  } catch (e) {
    await g.stop();
    const err = existsSync(join(dir, "error.log")) ? readFileSync(join(dir, "error.log"), "utf8") : "";
    throw new Error(`nginx failed: ${e.message}\n${g.log()}\n${err}`);
  }
  return {
    baseUrl,
    root,
    pid: g.child.pid,
    log: g.log,
    stop: async () => {
      await g.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Start `wrangler dev` (local mode) for a config file and wait until it answers.
 * @param {{config: string, port?: number, persistTo?: string, timeoutMs?: number, extraArgs?: string[],
 *   env?: object}} opts
 *   config: path to wrangler.toml (relative to the project root or absolute); persistTo: state dir
 *   (default: a fresh temp dir, removed on stop, so runs do not see each other's R2/D1 data)
 * @returns {Promise<{baseUrl: string, pid: number, persistTo: string, inspectorPort: number,
 *   stop: () => Promise<void>, log: () => string}>}
 */
export async function startWrangler({ config, port, persistTo, timeoutMs = 60_000, extraArgs = [], env = {} }) {
  port ??= await freePort();
  // Own inspector port: two wrangler dev at once (anchor + service) would otherwise both want 9229.
  const inspector = await freePort();
  const ownState = !persistTo;
  persistTo ??= tempDir("bench-wrangler-");
  const args = [
    join(ROOT, "node_modules/wrangler/bin/wrangler.js"),
    "dev",
    "--config",
    resolve(ROOT, config),
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspector),
    "--show-interactive-dev-session=false",
    "--persist-to",
    persistTo,
    ...extraArgs,
  ];
  const g = spawnGroup(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "1", ...env },
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(baseUrl, { timeoutMs, child: g.child });
  } catch (e) {
    await g.stop();
    throw new Error(`wrangler dev (${config}) failed: ${e.message}\n--- log tail ---\n${g.log().slice(-4000)}`);
  }
  return {
    baseUrl,
    pid: g.child.pid,
    persistTo,
    log: g.log,
    inspectorPort: inspector,
    stop: async () => {
      await g.stop();
      if (ownState) rmSync(persistTo, { recursive: true, force: true });
    },
  };
}

/** The last 30 lines of a wrangler server's log without its per-request lines: what usually explains a failure. */
export function logTail(server) {
  return server
    .log()
    .split("\n")
    .filter((l) => !l.includes("[wrangler:info]"))
    .slice(-30)
    .join("\n");
}
