/// <reference types="node" />
/**
 * Shards under `npm start` (issue 19): its own `scripts/start.mjs` (three D1 shards, two regions, as
 * wrangler.toml says), a tenant in `eu` and one in `us` created over HTTP, each used by the official
 * @c8y/client (upload, list, download) and tus-js-client (a resumable upload of 10 MiB: a part and a
 * tail); then, with the service stopped, the local SQLite files are read: each tenant's rows are in
 * one database file only (eu's apart from the directory's), and each object's bytes are in its
 * region's bucket only.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@c8y/client";
import { Upload } from "tus-js-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "../bytes";

const ROOT = join(import.meta.dirname, "../..");
const persistTo = mkdtempSync(join(tmpdir(), "c8y-shards-e2e-"));
const ADMIN = `Basic ${Buffer.from("management/admin:admin").toString("base64")}`;
let child: ChildProcess;
let baseUrl = "";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

function stop(): Promise<void> {
  if (!child?.pid || child.exitCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  process.kill(-child.pid, "SIGTERM");
  const timer = setTimeout(() => child.pid && process.kill(-child.pid, "SIGKILL"), 5_000);
  return exited.then(() => clearTimeout(timer));
}

beforeAll(async () => {
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  child = spawn(process.execPath, ["scripts/start.mjs", "--port", String(port)], {
    cwd: ROOT,
    env: { ...process.env, PERSIST_TO: persistTo },
    detached: true,
    stdio: "ignore",
  });
  for (let i = 0; i < 240; i++) {
    const up = await fetch(`${baseUrl}/tenant/loginOptions`).then(
      (res) => res.ok,
      () => false,
    );
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error("npm start did not come up");
}, 180_000);

afterAll(async () => {
  await stop();
  rmSync(persistTo, { recursive: true, force: true });
});

async function createTenant(id: string, region?: string): Promise<void> {
  const res = await fetch(`${baseUrl}/tenant/tenants`, {
    method: "POST",
    headers: { Authorization: ADMIN, "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({
      id,
      company: id,
      domain: `${id}.example`,
      adminName: "owner",
      adminPass: "owner-pass-1",
      region,
    }),
  });
  expect(res.status).toBe(201);
  expect(((await res.json()) as { region?: string }).region).toBe(region ?? "us");
}

const md5 = (data: Uint8Array) => createHash("md5").update(data).digest("base64");

/** @c8y/client: upload, list, download one file; returns the binary's id. */
async function withOfficialClient(tenant: string, seed: number): Promise<string> {
  const client = await Client.authenticate({ tenant, user: "owner", password: "owner-pass-1" }, baseUrl);
  const content = Buffer.from(randomBytes(20_000, seed));
  const { data } = await client.inventoryBinary.create(content, { name: `${tenant}.bin`, type: "c8y_Firmware" });
  const { data: list } = await client.inventoryBinary.list({ pageSize: 100 });
  expect(list.map((mo) => mo.id)).toContain(data.id);
  const res = await client.inventoryBinary.download(data.id!);
  expect(md5(new Uint8Array(await res.arrayBuffer()))).toBe(md5(content));
  return String(data.id);
}

/** tus-js-client: a 10 MiB resumable upload (an R2 part and a tail object on the way). */
async function withTus(tenant: string): Promise<void> {
  const content = Buffer.from(randomBytes(10 * 1024 * 1024, 7));
  await new Promise<void>((resolve, reject) => {
    const upload = new Upload(content, {
      endpoint: `${baseUrl}/inventory/binaries/uploads`,
      chunkSize: 6 * 1024 * 1024,
      uploadSize: content.length,
      headers: { Authorization: `Basic ${Buffer.from(`${tenant}/owner:owner-pass-1`).toString("base64")}` },
      metadata: { filename: "resumable.bin", filetype: "application/octet-stream" },
      storeFingerprintForResuming: false,
      onError: reject,
      onSuccess: () => resolve(),
    });
    upload.start();
  });
}

/** Rows per tenant in every local D1 file, read with Python's sqlite3 (the service is stopped). */
function d1Files(): { file: string; directory: number; rows: Record<string, number> }[] {
  const dir = join(persistTo, "v3/d1/miniflare-D1DatabaseObject");
  const script = `
import sqlite3, sys, json, glob
out = []
for f in sorted(glob.glob(sys.argv[1] + "/*.sqlite")):
    c = sqlite3.connect(f)
    if not c.execute("select 1 from sqlite_master where name='tenants'").fetchone(): continue
    rows = {}
    for table, column in (("tenants", "id"), ("users", "tenant"), ("binaries", "tenant"), ("uploads", "tenant")):
        for (t, n) in c.execute(f"select {column}, count(*) from {table} group by {column}"):
            rows[t] = rows.get(t, 0) + n
    directory = c.execute("select count(*) from tenant_directory").fetchone()[0]
    out.append({"file": f, "directory": directory, "rows": rows})
print(json.dumps(out))
`;
  return JSON.parse(execFileSync("python3", ["-c", script, dir], { encoding: "utf8" }));
}

/** The buckets (by name) whose blob directories hold the bytes of a tenant's single-put objects. */
function bucketsOf(tenant: string): string[] {
  const r2 = join(persistTo, "v3/r2");
  const script = `
import sqlite3, sys, json, glob
blobs = []
for f in glob.glob(sys.argv[1] + "/miniflare-R2BucketObject/*.sqlite"):
    c = sqlite3.connect(f)
    if not c.execute("select 1 from sqlite_master where name='_mf_objects'").fetchone(): continue
    # Objects put whole have a blob; multipart ones (blob_id null) keep their parts elsewhere.
    rows = c.execute("select blob_id from _mf_objects where key like ? and blob_id is not null", (sys.argv[2] + "/%",))
    blobs += [b for (b,) in rows]
print(json.dumps(blobs))
`;
  const blobs: string[] = JSON.parse(execFileSync("python3", ["-c", script, r2, tenant], { encoding: "utf8" }));
  expect(blobs.length).toBeGreaterThan(0);
  const buckets = readdirSync(r2).filter((name) => existsSync(join(r2, name, "blobs")));
  return buckets.filter((bucket) => blobs.some((blob) => existsSync(join(r2, bucket, "blobs", blob))));
}

describe("npm start with three shards and two regions", () => {
  it("each region's tenant works through the clients; files hold it in one shard and one bucket", async () => {
    await createTenant("e2e-eu", "eu");
    await createTenant("e2e-us");
    const euId = await withOfficialClient("e2e-eu", 1);
    const usId = await withOfficialClient("e2e-us", 2);
    expect(Number(euId) % 1000).toBe(1); // shard 1 (DB_EU1) in wrangler.toml
    expect([0, 2]).toContain(Number(usId) % 1000);
    await withTus("e2e-eu");
    await withTus("e2e-us");
    await stop();

    const files = d1Files();
    expect(files).toHaveLength(3);
    const holding = (tenant: string) => files.filter((f) => (f.rows[tenant] ?? 0) > 0);
    const [eu] = holding("e2e-eu");
    const [us] = holding("e2e-us");
    expect(holding("e2e-eu")).toHaveLength(1);
    expect(holding("e2e-us")).toHaveLength(1);
    expect(holding("management")).toHaveLength(1);
    // At least the tenant row, its owner and two binaries (the client's and the completed upload's).
    expect(eu!.rows["e2e-eu"]).toBeGreaterThanOrEqual(4);
    expect(us!.rows["e2e-us"]).toBeGreaterThanOrEqual(4);
    // The directory lives in shard 0 (with the management tenant); the eu tenant does not.
    const directory = files.find((f) => f.directory > 0)!;
    expect(directory.rows.management).toBeGreaterThan(0);
    expect(eu!.file).not.toBe(directory.file);
    expect(eu!.rows["e2e-us"]).toBeUndefined();

    expect(bucketsOf("e2e-eu")).toEqual(["c8y-binaries-eu"]);
    expect(bucketsOf("e2e-us")).toEqual(["c8y-binaries"]);
  }, 240_000);
});
