#!/usr/bin/env node
// `npm run bench:shards`: metadata throughput against the number of shards, in a SIMULATED world
// (docs/benchmarks.md "Shards (simulation)"). The real worker runs through bench/world/service-entry.ts
// with WORLD_D1_SERIAL: every D1 database answers one query at a time, each taking --d1-ms (default
// 20 ms), as Cloudflare documents a D1 database to behave ("single-threaded … one query at a time").
// Six tenants are created through POST /tenant/tenants (the least-loaded shard of the region takes
// each) and each uploads one small binary; then --conc clients (default 48) send HEAD
// /inventory/binaries/{id} (warm login: exactly one D1 statement each, no R2) round-robin over the
// tenants for --seconds (default 8). Run for 1, 2 and 3 shards of one region. Local D1 has no such
// limit: without the simulation this only measures this machine.
//   node bench/shards.mjs [--d1-ms=20] [--conc=48] [--seconds=8] [--tenants=6]
import "../scripts/node22.mjs";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { markdownTable, median, upload } from "./lib/measure.mjs";
import { ROOT, tempDir } from "./lib/servers.mjs";
import { AUTH, filesizeFirstBody, prepareState, snapshotProject, startService } from "./lib/service.mjs";

const argv = process.argv.slice(2);
const opt = (name, fallback) => Number(argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const CFG = { d1Ms: opt("d1-ms", 20), conc: opt("conc", 48), seconds: opt("seconds", 8), tenants: opt("tenants", 6) };
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const LAYOUTS = [
  { shards: 1, SHARDS: "0:DB:us" },
  { shards: 2, SHARDS: "0:DB:us,1:DB_EU1:us" },
  { shards: 3, SHARDS: "0:DB:us,1:DB_EU1:us,2:DB_US2:us" },
];

function request(url, { method = "GET", headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request(url, { method, headers, agent }, (res) => {
      let text = "";
      res.on("data", (d) => {
        text += d;
      });
      res.on("end", () => resolve({ status: res.statusCode, text, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function run(layout, svcConfig) {
  const tmp = tempDir("bench-shards-");
  const state = join(tmp, "state");
  await prepareState(state, 0, tmp, svcConfig);
  const vars = {
    SHARDS: layout.SHARDS,
    REGION_BUCKETS: "us:BUCKET",
    DEFAULT_REGION: "us",
    WORLD_D1_SERIAL: "1",
    WORLD_D1_PRIMARY_MS: String(CFG.d1Ms),
    WORLD_D1_REPLICA_MS: String(CFG.d1Ms),
    WORLD_R2_MS: "0",
    AUTH_RECHECK_SECONDS: "3600",
  };
  const svc = await startService(
    state,
    svcConfig,
    Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
  );
  try {
    const S = svc.baseUrl;
    const targets = [];
    const perShard = {};
    for (let t = 0; t < CFG.tenants; t++) {
      const id = `bench-${t}`;
      const created = await request(`${S}/tenant/tenants`, {
        method: "POST",
        headers: { authorization: AUTH, "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({
          id,
          company: id,
          domain: `${id}.example`,
          adminName: "device",
          adminPass: "bench-pass-1",
        }),
      });
      if (created.status !== 201) throw new Error(`create ${id}: ${created.status} ${created.text}`);
      const auth = `Basic ${Buffer.from(`${id}/device:bench-pass-1`).toString("base64")}`;
      const b = filesizeFirstBody(64, { name: "m.bin", type: "bench/shards" });
      const r = await upload(`${S}/inventory/binaries`, b.totalBytes, {
        method: "POST",
        headers: { authorization: auth, accept: "application/json", ...b.headers },
        body: b.body,
      });
      if (r.status !== 201) throw new Error(`upload ${id}: ${r.status} ${r.body}`);
      const binary = JSON.parse(r.body).id;
      perShard[Number(binary) % 1000] = (perShard[Number(binary) % 1000] ?? 0) + 1;
      targets.push({ url: `${S}/inventory/binaries/${binary}`, auth });
      await request(targets.at(-1).url, { method: "HEAD", headers: { authorization: auth } }); // warm login
    }
    let done = 0;
    let errors = 0;
    const latencies = [];
    const started = Date.now();
    const end = started + CFG.seconds * 1000;
    await Promise.all(
      Array.from({ length: CFG.conc }, async (_, w) => {
        for (let i = w; Date.now() < end; i += CFG.conc) {
          const target = targets[i % targets.length];
          const res = await request(target.url, { method: "HEAD", headers: { authorization: target.auth } });
          if (res.status === 200) {
            done++;
            latencies.push(res.ms);
          } else errors++;
        }
      }),
    );
    // Requests still in flight at the end finish after it: the rate is over the whole time they took.
    const seconds = (Date.now() - started) / 1000;
    return {
      shards: layout.shards,
      tenantsPerShard: Object.values(perShard).join("/"),
      reqPerSec: done / seconds,
      ceiling: (layout.shards * 1000) / CFG.d1Ms,
      medianMs: median(latencies),
      errors,
    };
  } finally {
    await svc.stop();
  }
}

async function main() {
  const svcConfig = snapshotProject();
  const snap = join(svcConfig, "..");
  mkdirSync(join(snap, "test"), { recursive: true });
  cpSync(join(ROOT, "test/bindings-proxy.ts"), join(snap, "test/bindings-proxy.ts"));
  cpSync(join(ROOT, "bench/world"), join(snap, "bench/world"), { recursive: true });
  writeFileSync(
    svcConfig,
    readFileSync(svcConfig, "utf8").replace(/^main = .*$/m, 'main = "bench/world/service-entry.ts"'),
  );
  const rows = [];
  for (const layout of LAYOUTS) {
    const result = await run(layout, svcConfig);
    console.log(JSON.stringify(result));
    rows.push(result);
  }
  const base = rows[0].reqPerSec;
  console.log(
    `\nSIMULATION: each D1 database answers one query at a time, ${CFG.d1Ms} ms each; ` +
      `${CFG.conc} clients, HEAD (1 D1 statement) over ${CFG.tenants} tenants, ${CFG.seconds} s per run.\n`,
  );
  console.log(
    markdownTable(
      ["shards", "tenants per shard", "HEAD/s", "vs 1 shard", "model ceiling", "median ms", "errors"],
      rows.map((r) => ({
        shards: r.shards,
        "tenants per shard": r.tenantsPerShard,
        "HEAD/s": r.reqPerSec.toFixed(1),
        "vs 1 shard": `${(r.reqPerSec / base).toFixed(2)}x`,
        "model ceiling": `${r.ceiling.toFixed(0)}/s`,
        "median ms": r.medianMs.toFixed(1),
        errors: r.errors,
      })),
    ),
  );
  agent.destroy();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
