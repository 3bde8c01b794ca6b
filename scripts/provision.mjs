#!/usr/bin/env node
// `npm run provision -- <layout.json> [--dry-run]` (issue 19, docs/deploy.md): creates a deployment's D1
// databases (one per shard, each in its region's location or jurisdiction) and R2 buckets (one per region) with
// wrangler, applies the migrations to every database, and prints the wrangler.toml blocks to paste. Re-running it
// is safe: what exists already is kept (found with `d1 list --json` / `r2 bucket info`), the migrations are only
// the missing ones. --dry-run calls nothing and prints the exact wrangler commands instead.
import "./node22.mjs";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { migrationSummary } from "./migration-summary.mjs";

/** Where the migrations' wrangler configuration is written, relative to the checkout (wrangler's cwd). */
export const MIGRATION_CONFIG = ".wrangler/provision/wrangler.json";

/** What `wrangler d1 create --location` and `wrangler r2 bucket create --location` accept (wrangler 4). */
export const LOCATIONS = ["weur", "eeur", "apac", "oc", "wnam", "enam"];
/** Jurisdictions both `wrangler d1 create --jurisdiction` and R2 buckets accept (D1's `us` has no R2 twin). */
export const JURISDICTIONS = ["eu", "fedramp"];
const REGION = /^[a-z][a-z0-9-]{0,31}$/; // src/shards/topology.ts
const BINDING = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
// D1 names: letters, digits, dashes; R2 bucket names: lower-case letters, digits, dashes, 3-63 characters.
const D1_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/**
 * @typedef {{ location?: string, jurisdiction?: string, bucket?: string, bucketBinding?: string }} RegionLayout
 * @typedef {{ no: number, region: string, binding?: string, database?: string }} ShardLayout
 * @typedef {{ name: string, defaultRegion: string, regions: Record<string, RegionLayout>, shards: ShardLayout[] }}
 *   Layout
 * @typedef {{ no: number, region: string, binding: string, database: string, location?: string,
 *   jurisdiction?: string }} PlannedShard
 * @typedef {{ region: string, binding: string, bucket: string, location?: string, jurisdiction?: string }}
 *   PlannedBucket
 * @typedef {{ shards: PlannedShard[], buckets: PlannedBucket[], defaultRegion: string }} Plan
 */

const upper = (region) => region.toUpperCase().replaceAll("-", "_");

/**
 * Checks a layout against the rules src/shards/topology.ts enforces at run time and names everything the way
 * wrangler.toml does: shard 0 is `DB` named `<name>`, shard n is `DB_<REGION><n>` named `<name>-<region><n>`; the
 * default region's bucket is `BUCKET` named `<name>`, another region's `BUCKET_<REGION>` named `<name>-<region>`.
 * @param {Layout} layout
 * @returns {Plan}
 */
export function planOf(layout) {
  const fail = (message) => {
    throw new Error(`layout: ${message}`);
  };
  if (!layout || typeof layout !== "object") fail("must be a JSON object");
  const { name, defaultRegion, regions, shards } = layout;
  if (typeof name !== "string" || !D1_NAME.test(name) || !BUCKET_NAME.test(name))
    fail(`"name" must be lower-case letters, digits and dashes (3-63), got ${JSON.stringify(name)}`);
  if (!regions || typeof regions !== "object" || Object.keys(regions).length === 0)
    fail('"regions" must name at least one region');
  if (typeof defaultRegion !== "string" || !(defaultRegion in regions))
    fail(`"defaultRegion" must be one of the regions (${Object.keys(regions).join(", ")})`);
  const buckets = Object.entries(regions).map(([region, options]) => {
    if (!REGION.test(region)) fail(`region name '${region}' must match ${REGION}`);
    const { location, jurisdiction, bucket, bucketBinding, ...rest } = options ?? {};
    if (Object.keys(rest).length > 0) fail(`region '${region}': unknown field(s) ${Object.keys(rest).join(", ")}`);
    if (location !== undefined && !LOCATIONS.includes(location))
      fail(`region '${region}': location must be one of ${LOCATIONS.join(", ")}`);
    if (jurisdiction !== undefined && !JURISDICTIONS.includes(jurisdiction))
      fail(`region '${region}': jurisdiction must be one of ${JURISDICTIONS.join(", ")}`);
    // wrangler refuses both on a bucket, and D1 ignores the hint when a jurisdiction is set.
    if (location && jurisdiction) fail(`region '${region}': give a location or a jurisdiction, not both`);
    const isDefault = region === defaultRegion;
    const planned = {
      region,
      binding: bucketBinding ?? (isDefault ? "BUCKET" : `BUCKET_${upper(region)}`),
      bucket: bucket ?? (isDefault ? name : `${name}-${region}`),
      ...(location ? { location } : {}),
      ...(jurisdiction ? { jurisdiction } : {}),
    };
    if (!BINDING.test(planned.binding)) fail(`region '${region}': bucket binding '${planned.binding}' is invalid`);
    if (!BUCKET_NAME.test(planned.bucket)) fail(`region '${region}': bucket name '${planned.bucket}' is invalid`);
    return planned;
  });
  if (!Array.isArray(shards) || shards.length === 0) fail('"shards" must list at least one shard');
  const plannedShards = shards.map((shard) => {
    const { no, region, binding, database, ...rest } = shard ?? {};
    if (!Number.isInteger(no) || no < 0 || no > 999) fail(`shard numbers are 0-999, got ${JSON.stringify(no)}`);
    if (Object.keys(rest).length > 0) fail(`shard ${no}: unknown field(s) ${Object.keys(rest).join(", ")}`);
    const home = regions[region];
    if (typeof region !== "string" || !home) fail(`shard ${no}: region '${region}' is not in "regions"`);
    const planned = {
      no,
      region,
      binding: binding ?? (no === 0 ? "DB" : `DB_${upper(region)}${no}`),
      database: database ?? (no === 0 ? name : `${name}-${region}${no}`),
      ...(home.location ? { location: home.location } : {}),
      ...(home.jurisdiction ? { jurisdiction: home.jurisdiction } : {}),
    };
    if (!BINDING.test(planned.binding)) fail(`shard ${no}: binding '${planned.binding}' is invalid`);
    if (!D1_NAME.test(planned.database)) fail(`shard ${no}: database name '${planned.database}' is invalid`);
    return planned;
  });
  plannedShards.sort((a, b) => a.no - b.no);
  if (plannedShards[0]?.no !== 0 || plannedShards[0].binding !== "DB")
    fail("shard 0 (binding DB) must exist: it holds the tenant directory");
  const twice = (values) => values.find((value, i) => values.indexOf(value) !== i);
  const repeated =
    twice(plannedShards.map((s) => String(s.no))) ??
    twice([...plannedShards.map((s) => s.binding), ...buckets.map((b) => b.binding)]) ??
    twice(plannedShards.map((s) => s.database)) ??
    twice(buckets.map((b) => b.bucket));
  if (repeated !== undefined) fail(`'${repeated}' is used twice`);
  for (const { region } of buckets) {
    if (!plannedShards.some((s) => s.region === region)) fail(`region '${region}' has no shard`);
  }
  return { shards: plannedShards, buckets, defaultRegion };
}

const where = ({ location, jurisdiction }) =>
  jurisdiction ? ["--jurisdiction", jurisdiction] : location ? ["--location", location] : [];

/** The wrangler argument lists that create one database or bucket. */
export const createD1 = (shard) => ["d1", "create", shard.database, ...where(shard)];
export const createBucket = (bucket) => ["r2", "bucket", "create", bucket.bucket, ...where(bucket)];
export const bucketInfo = (bucket) => [
  "r2",
  "bucket",
  "info",
  bucket.bucket,
  ...(bucket.jurisdiction ? ["--jurisdiction", bucket.jurisdiction] : []),
  "--json",
];
export const migrateD1 = (shard) => [
  "d1",
  "migrations",
  "apply",
  shard.binding,
  "--remote",
  "--config",
  MIGRATION_CONFIG,
];

/**
 * The wrangler.toml blocks of a plan: one [[d1_databases]] per shard, one [[r2_buckets]] per region, and the
 * three [vars] lines that tell the worker which is which.
 * @param {Plan} plan
 * @param {Record<string, string>} ids database name -> database_id (a placeholder where unknown)
 */
export function bindingsToml(plan, ids) {
  const lines = [
    "# wrangler.toml: replace the [[d1_databases]] and [[r2_buckets]] blocks with these",
    "# (printed by scripts/provision.mjs, docs/deploy.md).",
  ];
  for (const shard of plan.shards) {
    lines.push(
      "",
      "[[d1_databases]]",
      `binding = "${shard.binding}"`,
      `database_name = "${shard.database}"`,
      `database_id = "${ids[shard.database] ?? `<database_id of ${shard.database}>`}"`,
      'migrations_dir = "migrations"',
    );
  }
  for (const bucket of plan.buckets) {
    lines.push("", "[[r2_buckets]]", `binding = "${bucket.binding}"`, `bucket_name = "${bucket.bucket}"`);
    if (bucket.jurisdiction) lines.push(`jurisdiction = "${bucket.jurisdiction}"`);
  }
  lines.push(
    "",
    "# ... and set these three in [vars]:",
    `SHARDS = "${plan.shards.map((s) => `${s.no}:${s.binding}:${s.region}`).join(",")}"`,
    `REGION_BUCKETS = "${plan.buckets.map((b) => `${b.region}:${b.binding}`).join(",")}"`,
    `DEFAULT_REGION = "${plan.defaultRegion}"`,
  );
  return `${lines.join("\n")}\n`;
}

/**
 * The wrangler configuration the migrations are applied with: only the new databases, so the script works
 * before anything is pasted into wrangler.toml (`wrangler d1 migrations apply` finds a database by its binding
 * in a configuration file). Absolute migrations_dir: wrangler resolves it from the file's folder.
 */
export function migrationConfig(plan, ids, migrationsDir) {
  return {
    name: "c8y-binaries-provisioning",
    compatibility_date: "2025-10-01",
    d1_databases: plan.shards.map((s) => ({
      binding: s.binding,
      database_name: s.database,
      database_id: ids[s.database],
      migrations_dir: migrationsDir,
    })),
  };
}

const quote = (arg) => (/^[\w./:=@-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`);
export const commandLine = (args) => ["npx", "wrangler", ...args].map(quote).join(" ");

/**
 * Runs the provisioning. `wrangler(args)` runs one wrangler command and returns { status, stdout, stderr };
 * `log` prints progress (stderr), `out` the bindings (stdout).
 */
export function provision(plan, { wrangler, log, out, dryRun = false, root = process.cwd() }) {
  if (dryRun) {
    const commands = [...plan.shards.map(createD1), ...plan.buckets.map(createBucket), ...plan.shards.map(migrateD1)];
    log("# dry run: nothing is called. For real, these wrangler commands run (a database or bucket that exists");
    log(`# already is kept, not created; ${MIGRATION_CONFIG} is written with the database ids first):`);
    for (const args of commands) log(commandLine(args));
    out(bindingsToml(plan, {}));
    return;
  }
  const run = (args, { quiet = false } = {}) => {
    if (!quiet) log(`$ ${commandLine(args)}`);
    return wrangler(args);
  };
  const must = (args) => {
    const result = run(args);
    if (result.status !== 0) {
      throw new Error(`wrangler ${args.join(" ")} failed (${result.status}):\n${result.stdout}${result.stderr}`);
    }
    return result;
  };
  const listIds = () => {
    const listed = must(["d1", "list", "--json"]);
    const start = listed.stdout.indexOf("[");
    /** @type {{ name: string, uuid: string }[]} */
    const databases = JSON.parse(start >= 0 ? listed.stdout.slice(start) : "[]");
    return Object.fromEntries(databases.map((db) => [db.name, db.uuid]));
  };
  let ids = listIds();
  const missing = plan.shards.filter((s) => !ids[s.database]);
  for (const shard of plan.shards)
    if (ids[shard.database]) log(`D1 ${shard.database}: exists (${ids[shard.database]})`);
  for (const shard of missing) must(createD1(shard));
  if (missing.length > 0) ids = listIds();
  for (const shard of plan.shards) {
    if (!ids[shard.database]) throw new Error(`D1 ${shard.database} was created but \`d1 list\` does not show it`);
  }
  for (const bucket of plan.buckets) {
    if (run(bucketInfo(bucket), { quiet: true }).status === 0) log(`R2 ${bucket.bucket}: exists`);
    else must(createBucket(bucket));
  }
  mkdirSync(join(root, ".wrangler", "provision"), { recursive: true });
  const config = migrationConfig(plan, ids, join(root, "migrations"));
  writeFileSync(join(root, MIGRATION_CONFIG), JSON.stringify(config, null, 2));
  for (const shard of plan.shards) {
    const summary = migrationSummary(must(migrateD1(shard)).stdout).replace("(local)", "(remote)");
    log(`${shard.binding}: ${summary}`);
  }
  out(bindingsToml(plan, ids));
}

/** The real wrangler of this checkout (or PROVISION_WRANGLER, a script run with node: the tests' fake). */
export function wranglerRunner(root = process.cwd()) {
  const script = process.env.PROVISION_WRANGLER ?? join(root, "node_modules/wrangler/bin/wrangler.js");
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };
  return (args) => {
    const result = spawnSync(process.execPath, [script, ...args], {
      cwd: root,
      env,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { status: result.status ?? 1, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2).filter((arg) => arg !== "--");
  const dryRun = args.includes("--dry-run");
  const files = args.filter((arg) => !arg.startsWith("--"));
  if (files.length !== 1 || args.some((arg) => arg.startsWith("--") && arg !== "--dry-run")) {
    console.error("usage: npm run provision -- <layout.json> [--dry-run]   (example: scripts/provision.example.json)");
    process.exit(2);
  }
  try {
    const plan = planOf(JSON.parse(readFileSync(resolve(files[0]), "utf8")));
    provision(plan, {
      wrangler: wranglerRunner(),
      log: (line) => console.error(line),
      out: (text) => process.stdout.write(text),
      dryRun,
    });
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
