#!/usr/bin/env node
// `npm run bench:world`: the service in a simulated world (docs/benchmarks.md "Simulated world").
// Every D1 round trip and R2 operation waits a fixed latency, as they would for a device far from
// the database's primary: D1 primary 80 ms, nearest D1 replica 5 ms, R2 20 ms (change with
// --primary-ms= --replica-ms= --r2-ms=). Reports time to first byte for the authenticated download
// (cold and warm login), a signed link (edge-cache miss and hit) and list page 1, next to the raw
// worker (bench/raw-worker) under the same R2 latency; then a fleet run: 200 device users each
// download the same 20 MB binary at concurrency 32, with Basic auth and with a signed link,
// against the raw worker serving the same object.
//
// Starts and stops its own servers (127.0.0.1 only); needs nothing but the project's node_modules.
//   node bench/world.mjs [--devices=200] [--conc=32] [--size-mb=20] [--samples=15] [--no-docs]
import "../scripts/node22.mjs";
import { execFileSync } from "node:child_process";
import { pbkdf2Sync, randomBytes } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import { join } from "node:path";
import { MB, markdownTable, median, upload } from "./lib/measure.mjs";
import { ROOT, startWrangler, tempDir } from "./lib/servers.mjs";
import { AUTH, filesizeFirstBody, LOGIN, prepareState, snapshotProject, startService } from "./lib/service.mjs";

const argv = process.argv.slice(2);
const opt = (name, fallback) => Number(argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const CFG = {
  primaryMs: opt("primary-ms", 80),
  replicaMs: opt("replica-ms", 5),
  r2Ms: opt("r2-ms", 20),
  devices: opt("devices", 200),
  conc: opt("conc", 32),
  sizeMB: opt("size-mb", 20),
  samples: opt("samples", 15),
};
const COLD_USERS = CFG.samples;
const PASSWORD = "device-password";
const world = { WORLD_D1_PRIMARY_MS: CFG.primaryMs, WORLD_D1_REPLICA_MS: CFG.replicaMs, WORLD_R2_MS: CFG.r2Ms };
const worldVars = Object.entries(world).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** GET (or HEAD) with keep-alive: time to the response headers, and to the last byte. */
function timedGet(url, headers = {}, method = "GET") {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request(url, { method, headers, agent }, (res) => {
      const ttfb = Number(process.hrtime.bigint() - t0) / 1e6;
      let bytes = 0;
      let body = "";
      res.on("data", (d) => {
        bytes += d.length;
        if (body.length < 2000 && res.statusCode >= 300) body += d;
      });
      res.on("end", () =>
        resolve({
          status: res.statusCode,
          ttfbMs: ttfb,
          totalMs: Number(process.hrtime.bigint() - t0) / 1e6,
          bytes,
          body,
          headers: res.headers,
        }),
      );
      res.on("error", reject);
    });
    req.setTimeout(300_000, () => req.destroy(new Error(`${url} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

async function expectOk(p, what) {
  const r = await p;
  if (r.status < 200 || r.status > 299) throw new Error(`${what}: HTTP ${r.status} ${r.body ?? ""}`);
  return r;
}

const basic = (login, password) => `Basic ${Buffer.from(`${login}:${password}`).toString("base64")}`;

/** SQL that inserts `n` device users of tenant `management` sharing one PBKDF2 hash (same password). */
function deviceUsersSql(n) {
  const salt = randomBytes(16);
  const hash = pbkdf2Sync(PASSWORD, salt, 100_000, 32, "sha256");
  const stored = `pbkdf2-sha256$100000$${salt.toString("base64")}$${hash.toString("base64")}`;
  const rows = [];
  for (let i = 0; i < n; i++) {
    rows.push(
      `('${LOGIN.tenant}','device-${String(i).padStart(4, "0")}','${stored}',NULL,` +
        `'["ROLE_INVENTORY_READ"]','2026-01-01T00:00:00.000Z')`,
    );
  }
  return `INSERT INTO users (tenant,user_name,password_hash,email,roles,creation_time) VALUES ${rows.join(",")};\n`;
}

/** Parallel map with a fixed concurrency; returns the wall time in seconds. */
async function pool(items, conc, fn) {
  const t0 = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(conc, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function main() {
  const startedAt = new Date();
  // The service: a snapshot of src/ run through bench/world/service-entry.ts.
  const svcConfig = snapshotProject();
  const snap = join(svcConfig, "..");
  mkdirSync(join(snap, "test"), { recursive: true });
  cpSync(join(ROOT, "test/bindings-proxy.ts"), join(snap, "test/bindings-proxy.ts"));
  cpSync(join(ROOT, "bench/world"), join(snap, "bench/world"), { recursive: true });
  cpSync(join(ROOT, "bench/raw-worker"), join(snap, "bench/raw-worker"), { recursive: true });
  writeFileSync(
    svcConfig,
    readFileSync(svcConfig, "utf8").replace(/^main = .*$/m, 'main = "bench/world/service-entry.ts"'),
  );
  const rawConfig = join(snap, "bench/world/raw-wrangler.toml");
  writeFileSync(
    rawConfig,
    readFileSync(join(ROOT, "bench/raw-worker/wrangler.toml"), "utf8").replace(/^main = .*$/m, 'main = "raw-entry.js"'),
  );

  const tmp = tempDir("bench-world-");
  const state = join(tmp, "state");
  await prepareState(state, 0, tmp, svcConfig);
  const usersFile = join(tmp, "users.sql");
  writeFileSync(usersFile, deviceUsersSql(COLD_USERS + CFG.devices));
  execFileSync(
    process.execPath,
    [
      join(ROOT, "node_modules/wrangler/bin/wrangler.js"),
      "d1",
      "execute",
      "DB",
      "--local",
      "--config",
      svcConfig,
      "--persist-to",
      state,
      "--file",
      usersFile,
      "--yes",
    ],
    {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "1" },
      stdio: "ignore",
      timeout: 120_000,
    },
  );

  const svc = await startService(state, svcConfig, [
    ...worldVars,
    "--var",
    "LINK_SIGNING_KEYS:bench:bench-link-signing-secret-0123456789",
    "--var",
    "TOKEN_SIGNING_KEYS:bench:bench-token-signing-secret-0123456789",
  ]);
  const raw = await startWrangler({ config: rawConfig, extraArgs: worldVars });
  const results = { startedAt: startedAt.toISOString(), config: CFG, ttfb: [], fleet: [] };
  try {
    const S = svc.baseUrl;
    const admin = AUTH;
    // Objects: a 1 KB binary per TTFB sample (so each link miss is a real miss) and the fleet's image.
    const small = [];
    for (let i = 0; i < CFG.samples + 1; i++) {
      const b = filesizeFirstBody(1024, { name: `small-${i}.bin`, type: "bench/world" });
      const r = await upload(`${S}/inventory/binaries`, b.totalBytes, {
        method: "POST",
        headers: { authorization: admin, accept: "application/json", ...b.headers },
        body: b.body,
      });
      if (r.status !== 201) throw new Error(`POST small: ${r.status} ${r.body}`);
      small.push(JSON.parse(r.body).id);
    }
    const firmware = filesizeFirstBody(CFG.sizeMB * MB, { name: "firmware.bin", type: "c8y_Firmware" });
    const fw = await upload(`${S}/inventory/binaries`, firmware.totalBytes, {
      method: "POST",
      headers: { authorization: admin, accept: "application/json", ...firmware.headers },
      body: firmware.body,
    });
    if (fw.status !== 201) throw new Error(`POST firmware: ${fw.status} ${fw.body}`);
    const fwId = JSON.parse(fw.body).id;
    await expectOk(upload(`${raw.baseUrl}/o/firmware`, CFG.sizeMB * MB), "raw PUT firmware");
    await expectOk(timedGet(`${raw.baseUrl}/small`), "raw warm-up");

    const mint = async (id) =>
      JSON.parse(
        await new Promise((resolve, reject) => {
          const req = http.request(
            `${S}/inventory/binaries/${id}/links`,
            { method: "POST", headers: { authorization: admin }, agent },
            (res) => {
              let t = "";
              res.on("data", (d) => {
                t += d;
              });
              res.on("end", () =>
                res.statusCode === 201 ? resolve(t) : reject(new Error(`mint ${res.statusCode} ${t}`)),
              );
            },
          );
          req.on("error", reject);
          req.end();
        }),
      ).url;
    const links = [];
    for (const id of small) links.push(await mint(id));

    const sample = async (name, n, fn) => {
      const xs = [];
      for (let i = 0; i < n; i++) xs.push((await expectOk(fn(i), name)).ttfbMs);
      results.ttfb.push({ case: name, medianMs: median(xs), minMs: Math.min(...xs), maxMs: Math.max(...xs), n });
    };
    const deviceAuth = (i) => basic(`${LOGIN.tenant}/device-${String(i).padStart(4, "0")}`, PASSWORD);
    await sample("raw worker: GET 1 KB from R2", CFG.samples, () => timedGet(`${raw.baseUrl}/small`));
    await sample("authenticated download, cold login (1 KB)", COLD_USERS, (i) =>
      timedGet(`${S}/inventory/binaries/${small[0]}`, { authorization: deviceAuth(i) }),
    );
    await sample("authenticated download, warm login, edge-cache hit (1 KB)", CFG.samples, () =>
      timedGet(`${S}/inventory/binaries/${small[0]}`, { authorization: deviceAuth(0) }),
    );
    await sample("signed link, edge-cache miss (1 KB)", CFG.samples, (i) => timedGet(links[i + 1]));
    await sample("signed link, edge-cache hit (1 KB)", CFG.samples, (i) => timedGet(links[i + 1]));
    await sample("list page 1 (pageSize 5)", CFG.samples, () =>
      timedGet(`${S}/inventory/binaries?pageSize=5`, { authorization: admin }),
    );

    // Fleet: each device user downloads the image once, CFG.conc at a time.
    const devices = Array.from({ length: CFG.devices }, (_, i) => COLD_USERS + i);
    const fleet = async (name, urlOf, headersOf) => {
      let bytes = 0;
      const ttfbs = [];
      const seconds = await pool(devices, CFG.conc, async (d) => {
        const r = await expectOk(timedGet(urlOf(d), headersOf(d)), name);
        if (r.bytes !== CFG.sizeMB * MB) throw new Error(`${name}: ${r.bytes} bytes`);
        bytes += r.bytes;
        ttfbs.push(r.ttfbMs);
      });
      results.fleet.push({
        case: name,
        downloads: devices.length,
        seconds,
        mbps: bytes / MB / seconds,
        medianTtfbMs: median(ttfbs),
      });
    };
    await fleet(
      "raw worker (R2 get per download)",
      () => `${raw.baseUrl}/o/firmware`,
      () => ({}),
    );
    await fleet(
      "service, Basic auth (each device logs in cold once)",
      () => `${S}/inventory/binaries/${fwId}`,
      (d) => ({ authorization: deviceAuth(d) }),
    );
    // Token login (docs/api.md#token-login): each device logs in once (one PBKDF2 each, timed on its own),
    // then the fleet downloads with `Authorization: Bearer`; no device's token has been seen by the
    // service's isolate before, so every first download re-checks its session (one D1 read).
    const tokens = new Map();
    const loginSeconds = await pool(devices, CFG.conc, async (d) => {
      const body = new URLSearchParams({
        grant_type: "PASSWORD",
        username: `device-${String(d).padStart(4, "0")}`,
        password: PASSWORD,
        tfa_code: "undefined",
      });
      const res = await fetch(`${S}/tenant/oauth/token?tenant_id=${LOGIN.tenant}`, {
        method: "POST",
        body: body.toString(),
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
      if (res.status !== 200) throw new Error(`token login: ${res.status} ${await res.text()}`);
      tokens.set(d, (await res.json()).access_token);
    });
    results.tokenLogins = { logins: devices.length, seconds: loginSeconds, perSecond: devices.length / loginSeconds };
    await fleet(
      "service, bearer tokens (each device logged in once beforehand)",
      () => `${S}/inventory/binaries/${fwId}`,
      (d) => ({ authorization: `Bearer ${tokens.get(d)}` }),
    );
    const fleetLink = await mint(fwId);
    await fleet(
      "service, one signed link for the fleet",
      () => fleetLink,
      () => ({}),
    );
  } finally {
    await Promise.allSettled([svc.stop(), raw.stop()]);
    agent.destroy();
  }

  const rawTtfb = results.ttfb[0].medianMs;
  const rawFleet = results.fleet[0].mbps;
  const ttfbTable = markdownTable(
    ["case", "median TTFB ms", "min", "max", "÷ raw"],
    results.ttfb.map((r) => ({
      case: r.case,
      "median TTFB ms": r.medianMs,
      min: r.minMs,
      max: r.maxMs,
      "÷ raw": r.medianMs / rawTtfb,
    })),
  );
  const fleetTable = markdownTable(
    ["run", "downloads", "seconds", "aggregate MB/s", "median TTFB ms", "÷ raw"],
    results.fleet.map((r) => ({
      run: r.case,
      downloads: r.downloads,
      seconds: r.seconds,
      "aggregate MB/s": r.mbps,
      "median TTFB ms": r.medianTtfbMs,
      "÷ raw": r.mbps / rawFleet,
    })),
  );
  const load = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" / ");
  const md = `### Simulated world (${startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC)

Latency per call: D1 primary ${CFG.primaryMs} ms (writes, the primary session), D1 replica ${CFG.replicaMs} ms
(reads in a replica session), R2 ${CFG.r2Ms} ms (the raw worker too); the Cache API none.
${os.cpus().length} CPUs, load average at the end ${load}.

${ttfbTable}

Fleet: ${CFG.devices} device users each download one ${CFG.sizeMB} MB binary, ${CFG.conc} at a time.

${fleetTable}

Token logins before the token fleet: ${results.tokenLogins.logins} in ${results.tokenLogins.seconds.toFixed(2)} s
(${results.tokenLogins.perSecond.toFixed(1)} per second, ${CFG.conc} at a time; one PBKDF2 each).
`;
  console.log(md);
  mkdirSync(join(ROOT, "bench/results"), { recursive: true });
  writeFileSync(join(ROOT, "bench/results/world.json"), JSON.stringify(results, null, 2));
  writeFileSync(join(ROOT, "bench/results/world.md"), md);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
