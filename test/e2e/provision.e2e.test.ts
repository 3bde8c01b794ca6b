/// <reference types="node" />
/**
 * scripts/provision.mjs (issue 19 item 6, docs/deploy.md): the wrangler commands it runs for a 2-region, 3-shard
 * deployment, the wrangler.toml blocks it prints (accepted by src/shards/topology.ts, and the same layout as this
 * repository's wrangler.toml), and a whole run against a fake wrangler that records its arguments and applies the
 * migrations with the real wrangler to local databases (so the configuration the script writes is one wrangler reads).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bindingsToml, planOf } from "../../scripts/provision.mjs";
import { readTopology } from "../../src/shards/topology";

const ROOT = new URL("../../", import.meta.url).pathname;
const EXAMPLE = join(ROOT, "scripts/provision.example.json");
const dir = mkdtempSync(join(tmpdir(), "provision-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const exampleLayout = () => JSON.parse(readFileSync(EXAMPLE, "utf8"));

function provision(args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(join(ROOT, "node_modules/.bin/node"), ["scripts/provision.mjs", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", ...env },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The `KEY = "value"` lines of a TOML text (the [vars] the worker reads). */
const varsOf = (toml: string) =>
  Object.fromEntries([...toml.matchAll(/^([A-Z_]+) = "([^"]*)"$/gm)].map((m) => [m[1], m[2]] as const));
/** binding -> the other keys of each [[kind]] block. */
function blocksOf(toml: string, kind: string) {
  const blocks: Record<string, Record<string, string>> = {};
  for (const block of toml.split(/^\[\[/m).slice(1)) {
    if (!block.startsWith(`${kind}]]`)) continue;
    const body = block.split(/^\[/m)[0] ?? ""; // up to the next table ([vars], [assets], ...)
    const keys = Object.fromEntries([...body.matchAll(/^([a-z_]+) = "([^"]*)"$/gm)].map((m) => [m[1], m[2]]));
    const { binding, ...rest } = keys;
    if (binding) blocks[binding] = rest;
  }
  return blocks;
}

describe("provisioning a deployment: dry run", () => {
  it("prints the exact wrangler commands for 2 regions and 3 shards, each database in its region", () => {
    const run = provision([EXAMPLE, "--dry-run"]);
    expect(run.status).toBe(0);
    const commands = run.stderr.split("\n").filter((line) => line.startsWith("npx wrangler"));
    expect(commands).toEqual([
      "npx wrangler d1 create c8y-binaries --location enam",
      "npx wrangler d1 create c8y-binaries-eu1 --jurisdiction eu",
      "npx wrangler d1 create c8y-binaries-us2 --location enam",
      "npx wrangler r2 bucket create c8y-binaries --location enam",
      "npx wrangler r2 bucket create c8y-binaries-eu --jurisdiction eu",
      "npx wrangler d1 migrations apply DB --remote --config .wrangler/provision/wrangler.json",
      "npx wrangler d1 migrations apply DB_EU1 --remote --config .wrangler/provision/wrangler.json",
      "npx wrangler d1 migrations apply DB_US2 --remote --config .wrangler/provision/wrangler.json",
    ]);
    // The bindings on stdout (nothing else there, so `> bindings.toml` keeps only them), ids still unknown.
    expect(blocksOf(run.stdout, "d1_databases")).toEqual({
      DB: { database_name: "c8y-binaries", database_id: "<database_id of c8y-binaries>", migrations_dir: "migrations" },
      DB_EU1: {
        database_name: "c8y-binaries-eu1",
        database_id: "<database_id of c8y-binaries-eu1>",
        migrations_dir: "migrations",
      },
      DB_US2: {
        database_name: "c8y-binaries-us2",
        database_id: "<database_id of c8y-binaries-us2>",
        migrations_dir: "migrations",
      },
    });
    expect(blocksOf(run.stdout, "r2_buckets")).toEqual({
      BUCKET: { bucket_name: "c8y-binaries" },
      BUCKET_EU: { bucket_name: "c8y-binaries-eu", jurisdiction: "eu" },
    });
    expect(varsOf(run.stdout)).toEqual({
      SHARDS: "0:DB:us,1:DB_EU1:eu,2:DB_US2:us",
      REGION_BUCKETS: "us:BUCKET,eu:BUCKET_EU",
      DEFAULT_REGION: "us",
    });
  });

  it("prints bindings the worker's shard configuration accepts, the layout of this repository's wrangler.toml", () => {
    const printed = bindingsToml(planOf(exampleLayout()), {});
    const env: Record<string, unknown> = { ...varsOf(printed) };
    for (const binding of Object.keys(blocksOf(printed, "d1_databases"))) env[binding] = { prepare() {} };
    for (const binding of Object.keys(blocksOf(printed, "r2_buckets"))) env[binding] = { get() {} };
    const topology = readTopology(env);
    expect(topology.shards.map((s) => `${s.no}:${s.binding}:${s.region}`)).toEqual([
      "0:DB:us",
      "1:DB_EU1:eu",
      "2:DB_US2:us",
    ]);
    expect([...topology.regions.values()].map((r) => `${r.name}:${r.binding}`)).toEqual(["us:BUCKET", "eu:BUCKET_EU"]);

    const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
    const names = (blocks: Record<string, Record<string, string>>, key: string) =>
      Object.fromEntries(Object.entries(blocks).map(([binding, keys]) => [binding, keys[key]]));
    expect(names(blocksOf(printed, "d1_databases"), "database_name")).toEqual(
      names(blocksOf(toml, "d1_databases"), "database_name"),
    );
    expect(blocksOf(printed, "r2_buckets")).toEqual(blocksOf(toml, "r2_buckets"));
    const ours = varsOf(toml);
    expect(varsOf(printed)).toEqual({
      SHARDS: ours.SHARDS,
      REGION_BUCKETS: ours.REGION_BUCKETS,
      DEFAULT_REGION: ours.DEFAULT_REGION,
    });
  });

  it.each([
    ["a location wrangler does not know", { regions: { us: { location: "us-east" }, eu: { jurisdiction: "eu" } } }],
    [
      "a location and a jurisdiction",
      { regions: { us: { location: "enam" }, eu: { jurisdiction: "eu", location: "weur" } } },
    ],
    ["a jurisdiction R2 has no bucket for", { regions: { us: { jurisdiction: "us" }, eu: { jurisdiction: "eu" } } }],
    ["a region without a shard", { regions: { us: {}, eu: {}, apac: { location: "apac" } } }],
    [
      "no shard 0",
      {
        shards: [
          { no: 1, region: "eu" },
          { no: 2, region: "us" },
        ],
      },
    ],
    [
      "a shard number twice",
      {
        shards: [
          { no: 0, region: "us" },
          { no: 1, region: "eu" },
          { no: 1, region: "us" },
        ],
      },
    ],
    [
      "a shard in an unknown region",
      {
        shards: [
          { no: 0, region: "us" },
          { no: 1, region: "eu" },
          { no: 2, region: "ap" },
        ],
      },
    ],
    ["a default region that is not a region", { defaultRegion: "ap" }],
    ["a name wrangler refuses", { name: "C8Y_binaries" }],
  ])("refuses a layout with %s before calling wrangler", (_what, change) => {
    const file = join(dir, `bad-${Math.random()}.json`);
    writeFileSync(file, JSON.stringify({ ...exampleLayout(), ...change }));
    const log = join(dir, `bad-${Math.random()}.log`);
    const run = provision([file], {
      PROVISION_WRANGLER: join(ROOT, "test/e2e/fake-wrangler.mjs"),
      FAKE_WRANGLER_LOG: log,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^layout: /);
    expect(run.stdout).toBe("");
    expect(() => readFileSync(log)).toThrow(); // wrangler never ran
  });
});

describe("provisioning a deployment against a (fake) Cloudflare account", () => {
  const env = {
    PROVISION_WRANGLER: join(ROOT, "test/e2e/fake-wrangler.mjs"),
    FAKE_WRANGLER_LOG: join(dir, "calls.jsonl"),
    FAKE_WRANGLER_STATE: join(dir, "account.json"),
    FAKE_WRANGLER_PERSIST: join(dir, "state"),
  };
  const calls = () =>
    readFileSync(env.FAKE_WRANGLER_LOG, "utf8")
      .trim()
      .split("\n")
      .map((line) => (JSON.parse(line) as string[]).join(" "));
  const config = "--config .wrangler/provision/wrangler.json";

  it("creates each database and bucket in its place, migrates each database, prints the ids to paste", () => {
    const run = provision([EXAMPLE], env);
    expect(run.stderr).not.toContain("ERROR");
    expect(run.status).toBe(0);
    expect(calls()).toEqual([
      "d1 list --json",
      "d1 create c8y-binaries --location enam",
      "d1 create c8y-binaries-eu1 --jurisdiction eu",
      "d1 create c8y-binaries-us2 --location enam",
      "d1 list --json",
      "r2 bucket info c8y-binaries --json",
      "r2 bucket create c8y-binaries --location enam",
      "r2 bucket info c8y-binaries-eu --jurisdiction eu --json",
      "r2 bucket create c8y-binaries-eu --jurisdiction eu",
      `d1 migrations apply DB --remote ${config}`,
      `d1 migrations apply DB_EU1 --remote ${config}`,
      `d1 migrations apply DB_US2 --remote ${config}`,
    ]);
    const account = JSON.parse(readFileSync(env.FAKE_WRANGLER_STATE, "utf8")) as {
      databases: { name: string; uuid: string }[];
    };
    const ids = Object.fromEntries(account.databases.map((db) => [db.name, db.uuid]));
    const databases = blocksOf(run.stdout, "d1_databases");
    expect(Object.keys(databases)).toEqual(["DB", "DB_EU1", "DB_US2"]);
    for (const keys of Object.values(databases)) expect(keys.database_id).toBe(ids[keys.database_name as string]);
    // Every migration, to each of the three databases (the real wrangler applied them locally).
    const migrations = readdirSync(join(ROOT, "migrations"))
      .filter((name) => name.endsWith(".sql"))
      .sort();
    for (const binding of ["DB", "DB_EU1", "DB_US2"]) {
      expect(run.stderr).toContain(`${binding}: D1 (remote): applied ${migrations.join(", ")}`);
    }
  }, 120_000);

  it("re-runs without creating anything twice; the migrations are up to date", () => {
    writeFileSync(env.FAKE_WRANGLER_LOG, "");
    const run = provision([EXAMPLE], env);
    expect(run.status).toBe(0);
    expect(calls().filter((call) => call.includes(" create "))).toEqual([]);
    expect(run.stderr).toContain("D1 c8y-binaries-eu1: exists");
    expect(run.stderr).toContain("R2 c8y-binaries-eu: exists");
    for (const binding of ["DB", "DB_EU1", "DB_US2"]) {
      expect(run.stderr).toContain(`${binding}: D1 (remote): migrations up to date`);
    }
  }, 120_000);

  it("stops at the first wrangler failure with wrangler's message and prints no bindings", () => {
    const fresh = { ...env, FAKE_WRANGLER_STATE: join(dir, "other-account.json"), FAKE_WRANGLER_FAIL: "d1 create" };
    const run = provision([EXAMPLE], fresh);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("wrangler d1 create c8y-binaries --location enam failed");
    expect(run.stderr).toContain("Authentication error");
    expect(run.stdout).toBe("");
  });
});
