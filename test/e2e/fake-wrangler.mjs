#!/usr/bin/env node
// A stand-in for wrangler's account commands (scripts/provision.mjs runs it via PROVISION_WRANGLER): it records
// each argument list in FAKE_WRANGLER_LOG, keeps the "account" (databases, buckets) in FAKE_WRANGLER_STATE, prints
// what wrangler 4 prints, and applies `d1 migrations apply --remote` with the real wrangler to local databases
// in FAKE_WRANGLER_PERSIST — after checking the configuration names the database id it handed out.
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";

const args = process.argv.slice(2);
const { FAKE_WRANGLER_LOG, FAKE_WRANGLER_STATE, FAKE_WRANGLER_PERSIST, FAKE_WRANGLER_FAIL } = process.env;
appendFileSync(FAKE_WRANGLER_LOG, `${JSON.stringify(args)}\n`);
const state = existsSync(FAKE_WRANGLER_STATE)
  ? JSON.parse(readFileSync(FAKE_WRANGLER_STATE, "utf8"))
  : { databases: [], buckets: [] };
const save = () => writeFileSync(FAKE_WRANGLER_STATE, JSON.stringify(state));
const option = (name) => {
  const at = args.indexOf(name);
  return at < 0 ? undefined : args[at + 1];
};
const fail = (message) => {
  process.stderr.write(`✘ [ERROR] ${message}\n`);
  process.exit(1);
};
if (FAKE_WRANGLER_FAIL && args.join(" ").startsWith(FAKE_WRANGLER_FAIL)) fail("Authentication error [code: 10000]");

const command = args.slice(0, 3).join(" ");
if (command === "d1 list --json") {
  console.log(JSON.stringify(state.databases, null, 2));
} else if (args[0] === "d1" && args[1] === "create") {
  const name = args[2];
  if (state.databases.some((db) => db.name === name)) fail("A database with that name already exists");
  const db = { uuid: randomUUID(), name, created_at: new Date().toISOString(), version: "production" };
  state.databases.push({ ...db, jurisdiction: option("--jurisdiction") ?? null, location: option("--location") });
  save();
  const where = option("--location") ? ` using primary location hint ${option("--location")}` : "";
  console.log(`✅ Successfully created DB '${name}'${where}\nCreated your new D1 database.\n`);
  console.log(`[[d1_databases]]\nbinding = "DB"\ndatabase_name = "${name}"\ndatabase_id = "${db.uuid}"`);
} else if (command.startsWith("r2 bucket info")) {
  const found = state.buckets.find((b) => b.name === args[3] && b.jurisdiction === option("--jurisdiction"));
  if (!found) fail("The specified bucket does not exist. [code: 10006]");
  console.log(JSON.stringify({ name: found.name, location: found.location ?? "(unknown)" }));
} else if (command === "r2 bucket create") {
  const name = args[3];
  state.buckets.push({ name, jurisdiction: option("--jurisdiction"), location: option("--location") });
  save();
  console.log(`Creating bucket '${name}'...\n✅ Created bucket '${name}' with default storage class of Standard.`);
} else if (command === "d1 migrations apply") {
  const config = JSON.parse(readFileSync(option("--config"), "utf8"));
  const entry = config.d1_databases.find((db) => db.binding === args[3]);
  if (!state.databases.some((db) => db.name === entry?.database_name && db.uuid === entry?.database_id)) {
    fail(`Couldn't find a D1 DB with the name or binding '${args[3]}' in your configuration`);
  }
  const local = args.map((arg) => (arg === "--remote" ? "--local" : arg));
  const real = spawnSync(
    process.execPath,
    ["node_modules/wrangler/bin/wrangler.js", ...local, "--persist-to", FAKE_WRANGLER_PERSIST],
    { encoding: "utf8", env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false" }, stdio: "pipe" },
  );
  process.stdout.write(real.stdout);
  process.stderr.write(real.stderr);
  process.exit(real.status ?? 1);
} else {
  fail(`fake wrangler: unexpected command ${args.join(" ")}`);
}
