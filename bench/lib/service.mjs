// The service under test: a fresh local D1/R2 state (migrations applied, optionally seeded with
// many binaries rows for the list benchmarks), `wrangler dev` on src/, and the request shapes that
// real clients send (multipart in the official client's shape, filesize-first multipart, raw PUT).
import { execFile } from "node:child_process";
import { createHash, randomInt } from "node:crypto";
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { d1Bindings } from "../../scripts/shard-bindings.mjs";
import { upload, writeBytes } from "./measure.mjs";
import { ROOT, startWrangler, tempDir } from "./servers.mjs";

const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "1" };

/** The local login the bench uses (the same as .dev.vars.example / `npm start`). */
export const LOGIN = { tenant: "management", user: "admin", password: "admin" };
export const AUTH = `Basic ${Buffer.from(`${LOGIN.user}:${LOGIN.password}`).toString("base64")}`;

/** First id the migrations hand out is 10001 (migrations/0001_seed_counters.sql sets the counter to 10000). */
const FIRST_ID = 10_001;

function wrangler(args, timeoutMs) {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [WRANGLER, ...args],
      { cwd: ROOT, env: ENV, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err)
          reject(
            new Error(
              `wrangler ${args.slice(0, 3).join(" ")} failed: ${err.message}\n${String(stdout).slice(-2000)}\n` +
                `${String(stderr).slice(-2000)}`,
            ),
          );
        else resolve(stdout);
      },
    );
  });
}

/**
 * Copy what `wrangler dev` builds from (src/, wrangler.toml, migrations/, tsconfig) to a temp dir
 * under .wrangler/ (git-ignored; node_modules still resolves from the project root). wrangler dev
 * watches its sources and restarts the worker on every change, failing in-flight requests with
 * 503; running from a snapshot keeps a benchmark from being disturbed by edits made meanwhile,
 * and pins the code that the figures describe.
 * @returns {string} path of the snapshot's wrangler.toml
 */
export function snapshotProject() {
  const dir = tempDir("bench-snapshot-", join(ROOT, ".wrangler"));
  for (const f of [
    "src",
    "migrations",
    "wrangler.toml",
    "tsconfig.json",
    "worker-configuration.d.ts",
    "package.json",
  ]) {
    if (existsSync(join(ROOT, f))) cpSync(join(ROOT, f), join(dir, f), { recursive: true });
  }
  // The files page's static assets are not part of what the benchmarks measure (and web/dist
  // exists only after `npm run build`): the snapshot runs the worker alone.
  const toml = join(dir, "wrangler.toml");
  writeFileSync(toml, readFileSync(toml, "utf8").replace(/^\[assets\]\n(?:[^[\n].*\n)*/m, ""));
  return toml;
}

/** A short SHA-256 over the paths and contents of a directory's files (which src/ a run measured). */
export function treeHash(dir) {
  const h = createHash("sha256");
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath ?? d.path, d.name))
    .sort();
  for (const f of files) h.update(f.slice(dir.length)).update("\0").update(readFileSync(f)).update("\0");
  return h.digest("hex").slice(0, 12);
}

/**
 * Apply the migrations to a fresh persist dir (what scripts/start.mjs does before `wrangler dev`),
 * then insert `rows` binaries rows straight into local D1 (rows for listing only: their r2_key
 * names no object), owned by the bench login, and move the id counter past them.
 * @param {string} persistTo
 * @param {number} rows
 * @param {string} tmp a temp dir for the generated SQL file
 * @returns {Promise<{rows: number, seconds: number, migrateSeconds: number, firstId: number, lastId: number}>}
 */
export async function prepareState(persistTo, rows, tmp, config = join(ROOT, "wrangler.toml")) {
  const t0 = performance.now();
  // Every shard's database (issue 19), as `npm start` does.
  for (const binding of d1Bindings(config)) {
    await wrangler(
      ["d1", "migrations", "apply", binding, "--local", "--config", config, "--persist-to", persistTo],
      120_000,
    );
  }
  const migrateSeconds = (performance.now() - t0) / 1000;
  const lastId = FIRST_ID + rows - 1;
  if (rows > 0) {
    // Multi-row INSERTs of 200 rows (~50 KB: D1 refuses statements over 100 KB) keep the import
    // fast (~12 s per 100k rows).
    const lines = [];
    const batch = 200;
    for (let s = 0; s < rows; s += batch) {
      const values = [];
      for (let i = s; i < Math.min(rows, s + batch); i++) {
        const id = FIRST_ID + i;
        values.push(
          `(${id},'${LOGIN.tenant}','seed-${String(i).padStart(6, "0")}.bin','bench/seed','${LOGIN.user}',` +
            `'2026-01-01T00:00:00.000Z','2026-01-01T00:00:00.000Z','application/octet-stream',1024,'AAAAAAAAAAA` +
            `AAAAAAAAAAA==',1,` +
            `'bench/seed/${id}','{"c8y_Bench":{"seeded":true}}')`,
        );
      }
      lines.push(
        "INSERT INTO binaries (id,tenant,name,type,owner,creation_time,last_updated,content_type,length,md5,rev" +
          "pos,r2_key,fragments) VALUES " +
          values.join(",") +
          ";",
      );
    }
    lines.push(`UPDATE counters SET value = ${lastId} WHERE name = 'managedObjectId';`);
    const file = join(tmp, "seed.sql");
    writeFileSync(file, `${lines.join("\n")}\n`);
    await wrangler(
      ["d1", "execute", "DB", "--local", "--config", config, "--persist-to", persistTo, "--file", file, "--yes"],
      300_000,
    );
  }
  return { rows, seconds: (performance.now() - t0) / 1000, migrateSeconds, firstId: FIRST_ID, lastId };
}

/**
 * `wrangler dev` on the project's wrangler.toml with a prepared persist dir. The bootstrap login
 * is passed with --var (which wins over .dev.vars), so a fresh clone without .dev.vars works too.
 * @param {string} persistTo
 * @param {string} [config] wrangler.toml to run (default: the project's; see snapshotProject)
 * @param {string[]} [moreArgs] extra `wrangler dev` flags
 */
export function startService(persistTo, config = "wrangler.toml", moreArgs = []) {
  const vars = {
    BOOTSTRAP_TENANT: LOGIN.tenant,
    BOOTSTRAP_ADMIN_USER: LOGIN.user,
    BOOTSTRAP_ADMIN_PASSWORD: LOGIN.password,
    // One login sends thousands of requests a minute here: the rate limits (docs/api.md#rate-limits) would
    // answer 429s and the figures would measure miniflare's limiter, not the service. BENCH_RATE_LIMITS=on
    // keeps them on, to measure what the limiter's checks cost (a run short enough to stay under the limits).
    RATE_LIMITS_ENABLED: process.env.BENCH_RATE_LIMITS === "on" ? "true" : "false",
  };
  const extraArgs = Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  return startWrangler({ config, persistTo, extraArgs: [...extraArgs, ...moreArgs], timeoutMs: 90_000 });
}

/** A boundary like the `form-data` package's (the official @c8y/client uses it). */
function boundary() {
  let digits = "";
  for (let i = 0; i < 24; i++) digits += randomInt(10);
  return `--------------------------${digits}`;
}

/**
 * POST /inventory/binaries body in the official client's shape: `file` part first (with a
 * filename and Content-Type), then `object` (JSON, no Content-Type), no `filesize`. Sent chunked
 * (no Content-Length), as a streamed FormData is.
 * @param {number} size file bytes
 * @param {{name: string, type: string}} object
 * @returns {{headers: object, body: (w: (b: Buffer) => Promise<void>) => Promise<void>, totalBytes: number}}
 */
export function clientShapeBody(size, object) {
  const b = boundary();
  const head = Buffer.from(
    `--${b}\r\nContent-Disposition: form-data; name="file"; filename="${object.name}"\r\nContent-Type: ` +
      `application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(
    `\r\n--${b}\r\nContent-Disposition: form-data; name="object"\r\n\r\n${JSON.stringify(object)}\r\n--${b}--\r\n`,
  );
  return {
    headers: { "content-type": `multipart/form-data; boundary=${b}` },
    totalBytes: head.length + size + tail.length,
    body: async (w) => {
      await w(head);
      await writeBytes(w, size);
      await w(tail);
    },
  };
}

/**
 * POST body with `object` (JSON, with Content-Type) and `filesize` parts before `file`: the length
 * is known before the bytes, and the whole body has a Content-Length.
 */
export function filesizeFirstBody(size, object) {
  const b = boundary();
  const head = Buffer.from(
    `--${b}\r\nContent-Disposition: form-data; name="object"\r\nContent-Type: application/json\r\n\r\n` +
      `${JSON.stringify(object)}\r\n` +
      `--${b}\r\nContent-Disposition: form-data; name="filesize"\r\n\r\n${size}\r\n` +
      `--${b}\r\nContent-Disposition: form-data; name="file"; filename="${object.name}"\r\nContent-Type: ` +
      `application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${b}--\r\n`);
  return {
    headers: { "content-type": `multipart/form-data; boundary=${b}` },
    totalBytes: head.length + size + tail.length,
    body: async (w) => {
      await w(head);
      await writeBytes(w, size);
      await w(tail);
    },
  };
}

/** POST a 1 KB binary (filesize-first shape) and return its id. */
export async function postSmall(base, name = "small-1kb.bin") {
  const b = filesizeFirstBody(1024, { name, type: "bench/binary" });
  const r = await upload(`${base}/inventory/binaries`, b.totalBytes, {
    method: "POST",
    headers: { authorization: AUTH, accept: "application/json", ...b.headers },
    body: b.body,
  });
  if (r.status !== 201) throw new Error(`POST 1 KB: HTTP ${r.status} ${r.body.slice(0, 300)}`);
  return JSON.parse(r.body).id;
}
