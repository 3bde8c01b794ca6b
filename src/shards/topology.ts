/**
 * The deployment's shards and regions (issue 19, docs/scaling.md "Shards"), read from wrangler vars:
 *
 * - `SHARDS`: `number:binding:region` entries separated by commas, e.g. `0:DB:us,1:DB_EU1:eu`. The
 *   number is the shard's identity for ever (binary ids end in it, the directory names it), so a
 *   deployment adds shards with new numbers and never renumbers. Shard 0 is binding DB, which also
 *   holds the tenant directory.
 * - `REGION_BUCKETS`: `region:binding` entries, the R2 bucket of each region.
 * - `DEFAULT_REGION`: where a tenant created without `"region"` goes.
 *
 * Without SHARDS the deployment is one shard (DB) in the default region, as before issue 19.
 */

/** Binary ids are `sequence * SHARD_SPACE + shard number`: at most this many shards. */
export const SHARD_SPACE = 1000;

export interface Shard {
  no: number;
  binding: string;
  region: string;
  d1: D1Database;
}

export interface Region {
  name: string;
  binding: string;
  bucket: R2Bucket;
}

export interface Topology {
  shards: readonly Shard[];
  regions: ReadonlyMap<string, Region>;
  defaultRegion: string;
  /** The database that holds the directory (shard 0). */
  directory: Shard;
  shard(no: number): Shard | undefined;
  /** The shards of a region, by number. */
  shardsIn(region: string): Shard[];
}

interface TopologyVars {
  SHARDS?: string;
  REGION_BUCKETS?: string;
  DEFAULT_REGION?: string;
}

const cache = new WeakMap<object, Topology>();

const NAME = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
const REGION = /^[a-z][a-z0-9-]{0,31}$/;

function binding<T>(env: object, name: string, kind: "D1" | "R2", probe: string): T {
  const value = (env as Record<string, unknown>)[name];
  if (!value || typeof (value as Record<string, unknown>)[probe] !== "function") {
    throw new Error(`${kind} binding '${name}' named in the shard configuration does not exist`);
  }
  return value as T;
}

function entries(value: string | undefined): string[][] {
  return (value ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "")
    .map((entry) => entry.split(":").map((part) => part.trim()));
}

/** Parses and checks the shard configuration; a mistake fails loudly at the first request. */
export function readTopology(env: object): Topology {
  const cached = cache.get(env);
  if (cached) return cached;
  const vars = env as TopologyVars;
  const defaultRegion = vars.DEFAULT_REGION?.trim() || "us";
  if (!REGION.test(defaultRegion)) throw new Error(`DEFAULT_REGION '${defaultRegion}' is not a region name`);
  const regions = new Map<string, Region>();
  const regionEntries = entries(vars.REGION_BUCKETS);
  if (regionEntries.length === 0) regionEntries.push([defaultRegion, "BUCKET"]);
  for (const [name, bucketBinding, ...rest] of regionEntries) {
    if (!name || !REGION.test(name) || !bucketBinding || !NAME.test(bucketBinding) || rest.length > 0) {
      throw new Error("REGION_BUCKETS must be 'region:BINDING' entries separated by commas");
    }
    if (regions.has(name)) throw new Error(`REGION_BUCKETS names region '${name}' twice`);
    regions.set(name, { name, binding: bucketBinding, bucket: binding<R2Bucket>(env, bucketBinding, "R2", "get") });
  }
  if (!regions.has(defaultRegion)) throw new Error(`DEFAULT_REGION '${defaultRegion}' has no bucket in REGION_BUCKETS`);
  const shardEntries = entries(vars.SHARDS);
  if (shardEntries.length === 0) shardEntries.push(["0", "DB", defaultRegion]);
  const byNo = new Map<number, Shard>();
  for (const [noText, d1Binding, region, ...rest] of shardEntries) {
    const no = Number(noText);
    if (!/^\d{1,3}$/.test(noText ?? "") || !d1Binding || !NAME.test(d1Binding) || !region || rest.length > 0) {
      throw new Error("SHARDS must be 'number:BINDING:region' entries separated by commas (numbers 0-999)");
    }
    if (byNo.has(no)) throw new Error(`SHARDS names shard ${no} twice`);
    if (!regions.has(region)) throw new Error(`shard ${no} is in region '${region}', which has no bucket`);
    byNo.set(no, { no, binding: d1Binding, region, d1: binding<D1Database>(env, d1Binding, "D1", "prepare") });
  }
  const directory = byNo.get(0);
  if (directory?.binding !== "DB") throw new Error("SHARDS must name shard 0 as binding DB");
  const shards = [...byNo.values()].sort((a, b) => a.no - b.no);
  if (new Set(shards.map((s) => s.binding)).size !== shards.length) throw new Error("SHARDS names a binding twice");
  for (const region of regions.keys()) {
    if (!shards.some((s) => s.region === region)) throw new Error(`region '${region}' has no shard`);
  }
  const topology: Topology = {
    shards,
    regions,
    defaultRegion,
    directory,
    shard: (no) => byNo.get(no),
    shardsIn: (region) => shards.filter((s) => s.region === region),
  };
  cache.set(env, topology);
  return topology;
}
