import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { sweepOrphans } from "../../../src/binaries/sweep";
import { createDb } from "../../../src/db/client";
import worker from "../../../src/index";
import { readTopology } from "../../../src/shards/topology";
import {
  BASE,
  basic,
  call,
  callJson,
  postTenant,
  randomBytes,
  seedUser,
  shardOf,
  TUS,
  TUS_OCTETS,
  tenantAdmin,
  tusPatch,
  upload,
} from "../../helpers";
import { tokenLogin } from "../../token-helpers";

/**
 * Issue 19: tenants spread over three shards in two regions (vitest.config.mts / wrangler.toml:
 * shard 0 = DB and shard 2 = DB_US2 in `us`, the default; shard 1 = DB_EU1 in `eu`). Each
 * tenant's rows live only in its shard and its bytes only in its region's bucket, and nothing a
 * client sends (an id, a link, an upload URL, a bookmark, a list parameter) reaches another shard.
 */

let platformAdmin: string;
beforeAll(async () => {
  platformAdmin = await seedUser("management", "root");
});

const json = callJson;

/** Creates a tenant through the API; returns its admin's Authorization and the tenant JSON. */
async function createTenant(id: string, region?: string) {
  const res = await postTenant(platformAdmin, id, region === undefined ? {} : { region });
  expect(res.status).toBe(201);
  return { auth: tenantAdmin(id), tenant: await res.json<Record<string, unknown>>() };
}

/** How many rows of `tenant` each shard holds in `table`. */
async function rowsPerShard(table: string, tenant: string): Promise<number[]> {
  const column = table === "tenants" ? "id" : "tenant";
  return Promise.all(
    readTopology(env).shards.map(
      async (shard) =>
        (await shard.d1
          .prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE ${column} = ?`)
          .bind(tenant)
          .first<number>("n")) ?? 0,
    ),
  );
}

const objectsIn = async (bucket: R2Bucket, prefix: string) => (await bucket.list({ prefix })).objects.length;

describe("configuration", () => {
  it("three shards in two regions, us the default", () => {
    const topology = readTopology(env);
    expect(topology.shards.map((s) => [s.no, s.binding, s.region])).toEqual([
      [0, "DB", "us"],
      [1, "DB_EU1", "eu"],
      [2, "DB_US2", "us"],
    ]);
    expect(topology.defaultRegion).toBe("us");
    expect([...topology.regions.keys()].sort()).toEqual(["eu", "us"]);
  });

  it("a bad shard configuration fails loudly", () => {
    const base = { DB: env.DB, DB_EU1: env.DB_EU1, BUCKET: env.BUCKET, BUCKET_EU: env.BUCKET_EU };
    const bad = (vars: Record<string, string>) => () => readTopology({ ...base, ...vars });
    expect(bad({ SHARDS: "0:DB:us,1:NOPE:us" })).toThrow(/NOPE/);
    expect(bad({ SHARDS: "0:DB:us,0:DB_EU1:us" })).toThrow(/twice/);
    expect(bad({ SHARDS: "1:DB:us" })).toThrow(/shard 0/);
    expect(bad({ SHARDS: "0:DB:mars" })).toThrow(/mars/);
    expect(bad({ SHARDS: "0:DB:us", REGION_BUCKETS: "us:BUCKET,eu:BUCKET_EU" })).toThrow(/region 'eu' has no shard/);
    expect(bad({ DEFAULT_REGION: "eu", REGION_BUCKETS: "us:BUCKET" })).toThrow(/DEFAULT_REGION/);
    // Without SHARDS: one shard (DB) in the default region, as before shards existed.
    expect(readTopology({ ...base }).shards.map((s) => s.binding)).toEqual(["DB"]);
  });
});

describe("placement and regions", () => {
  it("POST /tenant/tenants places a tenant on the least-loaded shard of its region and shows the region", async () => {
    const eu = await createTenant("place-eu", "eu");
    expect(eu.tenant.region).toBe("eu");
    expect((await shardOf("place-eu")).no).toBe(1);
    const us1 = await createTenant("place-us1");
    const us2 = await createTenant("place-us2");
    expect([us1.tenant.region, us2.tenant.region]).toEqual(["us", "us"]);
    // Two new us tenants go to different us shards (the less loaded one first).
    expect(new Set([(await shardOf("place-us1")).no, (await shardOf("place-us2")).no])).toEqual(new Set([0, 2]));
    const shown = await (await json("GET", "/tenant/tenants/place-eu", platformAdmin)).json<{ region: string }>();
    expect(shown.region).toBe("eu");
    const list = await (await json("GET", "/tenant/tenants?pageSize=100", platformAdmin)).json<any>();
    const regions = Object.fromEntries(list.tenants.map((t: any) => [t.id, t.region]));
    expect(regions).toMatchObject({ "place-eu": "eu", "place-us1": "us", "place-us2": "us" });
  });

  it("an unknown region is a 422 and creates nothing", async () => {
    const res = await json("POST", "/tenant/tenants", platformAdmin, {
      id: "place-mars",
      company: "c",
      domain: "d.example.com",
      adminName: "admin",
      adminPass: "admin-password-1",
      region: "mars",
    });
    expect(res.status).toBe(422);
    expect((await json("GET", "/tenant/tenants/place-mars", platformAdmin)).status).toBe(404);
    expect(await rowsPerShard("tenants", "place-mars")).toEqual([0, 0, 0]);
  });

  it("a tenant's rows are only in its shard and its bytes only in its region's bucket", async () => {
    const { auth } = await createTenant("rows-eu", "eu");
    const mo = await upload(auth, "firmware.bin", randomBytes(3000, 1), {}, "c8y_Firmware");
    expect(await rowsPerShard("binaries", "rows-eu")).toEqual([0, 1, 0]);
    expect(await rowsPerShard("users", "rows-eu")).toEqual([0, 1, 0]);
    expect(await rowsPerShard("tenants", "rows-eu")).toEqual([0, 1, 0]);
    expect(await objectsIn(env.BUCKET_EU, "rows-eu/")).toBe(1);
    expect(await objectsIn(env.BUCKET, "rows-eu/")).toBe(0);
    const res = await call(`/inventory/binaries/${mo.id}`, { headers: { Authorization: auth } });
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(randomBytes(3000, 1));
  });

  it("resumable uploads keep their parts and tail in the region's bucket", async () => {
    const { auth } = await createTenant("tus-eu", "eu");
    const size = 5 * 1024 * 1024 + 100;
    const created = await call("/inventory/binaries/uploads", {
      method: "POST",
      headers: {
        Authorization: auth,
        ...TUS,
        "Upload-Length": String(size),
        "Upload-Metadata": `filename ${btoa("big.bin")},type ${btoa("c8y_Firmware")}`,
      },
    });
    expect(created.status).toBe(201);
    const path = new URL(created.headers.get("Location")!).pathname;
    const first = randomBytes(5 * 1024 * 1024 + 10, 3);
    expect((await tusPatch(path, auth, first, first.length)).status).toBe(204);
    // The tail (bytes past the last full part) sits in the EU bucket, nothing in the default one.
    expect((await env.BUCKET.list()).objects.filter((o) => o.key.includes("tus-eu"))).toEqual([]);
    expect(await rowsPerShard("uploads", "tus-eu")).toEqual([0, 1, 0]);
    const rest = randomBytes(90, 4);
    const done = await tusPatch(path, auth, rest, rest.length, first.length);
    expect(done.status).toBe(204);
    const list = await (await call("/inventory/binaries", { headers: { Authorization: auth } })).json<any>();
    expect(list.managedObjects).toHaveLength(1);
    expect(await objectsIn(env.BUCKET_EU, "tus-eu/")).toBe(1);
    expect(await objectsIn(env.BUCKET, "tus-eu/")).toBe(0);
    expect((await env.BUCKET.list({ prefix: "%resumable/" })).objects).toEqual([]);
  });
});

describe("ids", () => {
  it("binary ids are numeric strings, end in their shard's number and never meet across shards", async () => {
    const a = await createTenant("ids-a", "eu");
    const b = await seedUser("ids-b", "admin");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await upload(a.auth, `a${i}`, "a")).id, (await upload(b, `b${i}`, "b")).id);
    for (const id of ids) expect(id).toMatch(/^[1-9][0-9]+$/);
    expect(new Set(ids).size).toBe(ids.length);
    const shardB = (await shardOf("ids-b")).no;
    expect(ids.filter((_, i) => i % 2 === 0).every((id) => Number(id) % 1000 === 1)).toBe(true);
    expect(ids.filter((_, i) => i % 2 === 1).every((id) => Number(id) % 1000 === shardB)).toBe(true);
  });
});

describe("isolation", () => {
  it("no id, link, upload URL, bookmark or list parameter reaches another shard's rows", async () => {
    const eu = await createTenant("iso-eu", "eu");
    const us = await seedUser("iso-us", "admin");
    expect((await shardOf("iso-eu")).no).not.toBe((await shardOf("iso-us")).no);
    const mo = await upload(eu.auth, "secret.bin", "eu secret");
    // Its id, from the other shard: not found, for reads, writes, links and lists.
    expect((await call(`/inventory/binaries/${mo.id}`, { headers: { Authorization: us } })).status).toBe(404);
    expect(
      (await call(`/inventory/binaries/${mo.id}`, { method: "DELETE", headers: { Authorization: us } })).status,
    ).toBe(404);
    expect((await json("POST", `/inventory/binaries/${mo.id}/links`, us, {})).status).toBe(404);
    const listed = await (
      await call(`/inventory/binaries?ids=${mo.id}`, { headers: { Authorization: us } })
    ).json<any>();
    expect(listed.managedObjects).toEqual([]);
    const mos = await (
      await call(`/inventory/managedObjects?ids=${mo.id}&query=${encodeURIComponent("name eq 'secret.bin'")}`, {
        headers: { Authorization: us },
      })
    ).json<any>();
    expect(mos.managedObjects ?? []).toEqual([]);
    // A bookmark of the EU shard sent with a request that routes to the us shard is ignored.
    const euRead = await call(`/inventory/binaries/${mo.id}`, { headers: { Authorization: eu.auth } });
    const bookmark = euRead.headers.get("X-D1-Bookmark");
    expect(bookmark).toMatch(/^1:/);
    const withBookmark = await call("/inventory/binaries", {
      headers: { Authorization: us, "X-D1-Bookmark": bookmark! },
    });
    expect(withBookmark.status).toBe(200);
    expect(withBookmark.headers.get("X-D1-Bookmark")).toMatch(new RegExp(`^${(await shardOf("iso-us")).no}:`));
    // A forged bookmark naming the us shard is no bookmark at all (not a 500).
    const usShard = (await shardOf("iso-us")).no;
    const forged = await call("/inventory/binaries", {
      headers: { Authorization: us, "X-D1-Bookmark": `${usShard}:zzz` },
    });
    expect(forged.status).toBe(200);
    // An upload URL of the EU tenant, used by the us tenant.
    const created = await call("/inventory/binaries/uploads", {
      method: "POST",
      headers: { Authorization: eu.auth, ...TUS, "Upload-Length": "5", "Upload-Metadata": `filename ${btoa("x")}` },
    });
    const path = new URL(created.headers.get("Location")!).pathname;
    expect((await call(path, { method: "HEAD", headers: { Authorization: us, ...TUS } })).status).toBe(404);
    const stolen = await call(path, {
      method: "PATCH",
      headers: { Authorization: us, ...TUS, "Content-Type": TUS_OCTETS, "Upload-Offset": "0" },
      body: "hello",
    });
    expect(stolen.status).toBe(404);
    expect(await rowsPerShard("binaries", "iso-us")).toEqual((await rowsPerShard("binaries", "iso-us")).map(() => 0));
  });

  it("a signed link names its region, signed: changing or removing it breaks the link", async () => {
    const { auth } = await createTenant("link-eu", "eu");
    const mo = await upload(auth, "l.bin", "link bytes");
    const minted = await (await json("POST", `/inventory/binaries/${mo.id}/links`, auth, {})).json<{ url: string }>();
    const url = new URL(minted.url);
    expect(url.searchParams.get("region")).toBe("eu");
    const ok = await call(`${url.pathname}${url.search}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("link bytes");
    url.searchParams.set("region", "us");
    expect((await call(`${url.pathname}${url.search}`)).status).toBe(403);
    url.searchParams.delete("region");
    expect((await call(`${url.pathname}${url.search}`)).status).toBe(403);
  });
});

describe("logins route", () => {
  it("Basic with and without the tenant, and tokens, reach the tenant's shard", async () => {
    const { auth } = await createTenant("login-eu", "eu");
    await upload(auth, "x.bin", "x");
    const list = async (authorization: string) =>
      (await (await call("/inventory/binaries", { headers: { Authorization: authorization } })).json<any>())
        .managedObjects.length;
    expect(await list(auth)).toBe(1);
    // A user name that exists in one tenant only logs in without its tenant.
    await json("POST", "/user/login-eu/users", auth, { userName: "only-in-eu", password: "only-password-1" });
    await json("POST", "/user/login-eu/users/only-in-eu/roles", auth, {}); // no roles needed to list nothing
    const bare = await call("/user/currentUser", {
      headers: { Authorization: basic("only-in-eu", "only-password-1") },
    });
    expect(bare.status).toBe(200);
    expect((await bare.json<{ userName: string }>()).userName).toBe("only-in-eu");
    const token = await tokenLogin("login-eu", "admin", "admin-password-1");
    expect(await list(`Bearer ${token}`)).toBe(1);
  });

  it("a platform admin manages another shard's users in that shard", async () => {
    await createTenant("users-eu", "eu");
    const res = await json("POST", "/user/users-eu/users", platformAdmin, {
      userName: "made-by-platform",
      password: "platform-made-1",
    });
    expect(res.status).toBe(201);
    expect(await rowsPerShard("users", "users-eu")).toEqual([0, 2, 0]);
    const users = await (await json("GET", "/user/users-eu/users", platformAdmin)).json<any>();
    expect(users.users.map((u: any) => u.userName).sort()).toEqual(["admin", "made-by-platform"]);
  });
});

describe("tenant deletion and moves seen by every isolate", () => {
  it("deleting a tenant removes its rows in its shard and its bytes in its region's bucket", async () => {
    const { auth } = await createTenant("del-eu", "eu");
    await upload(auth, "d.bin", "d");
    expect((await json("DELETE", "/tenant/tenants/del-eu", platformAdmin)).status).toBe(204);
    for (const table of ["binaries", "users", "tenants"])
      expect(await rowsPerShard(table, "del-eu")).toEqual([0, 0, 0]);
    expect(await objectsIn(env.BUCKET_EU, "del-eu/")).toBe(0);
    expect((await json("GET", "/tenant/tenants/del-eu", platformAdmin)).status).toBe(404);
  });

  it("an isolate that remembers a tenant's old shard follows it after the re-check", async () => {
    const user = await seedUser("moved", "device");
    const mo = await upload(user, "m.bin", "moved bytes");
    const from = await shardOf("moved");
    const to = readTopology(env).shards.find((s) => s.region === "us" && s.no !== from.no)!;
    // Another isolate, re-checking on every request, has learned where the tenant lives.
    const isolate = { ...env, AUTH_RECHECK_SECONDS: "0" };
    const get = async (path: string) => {
      const ctx = createExecutionContext();
      const res = await worker.fetch(new Request(`${BASE}${path}`, { headers: { Authorization: user } }), isolate, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    };
    expect((await get(`/inventory/binaries/${mo.id}`)).status).toBe(200);
    // The tenant's rows are copied to the other us shard, the directory switched, the old rows removed.
    for (const table of ["tenants", "users", "binaries"]) {
      const column = table === "tenants" ? "id" : "tenant";
      const rows = await from.d1.prepare(`SELECT * FROM ${table} WHERE ${column} = 'moved'`).all();
      for (const row of rows.results) {
        const names = Object.keys(row);
        await to.d1
          .prepare(`INSERT INTO ${table} (${names.join(",")}) VALUES (${names.map(() => "?").join(",")})`)
          .bind(...names.map((n) => (row as Record<string, unknown>)[n]))
          .run();
      }
    }
    await env.DB.prepare("UPDATE tenant_directory SET shard = ? WHERE id = 'moved'").bind(to.no).run();
    for (const table of ["binaries", "users", "tenants"]) {
      const column = table === "tenants" ? "id" : "tenant";
      await from.d1.prepare(`DELETE FROM ${table} WHERE ${column} = 'moved'`).run();
    }
    const after = await get(`/inventory/binaries/${mo.id}`);
    expect(after.status).toBe(200);
    expect(await after.text()).toBe("moved bytes");
    expect(after.headers.get("X-D1-Bookmark")).toMatch(new RegExp(`^${to.no}:`));
  });
});

describe("sweeps over shards sharing a bucket", () => {
  it("an object is an orphan only when no shard of its region references it", async () => {
    const a = await seedUser("sweep-a", "admin");
    // Tenants go to the less-loaded us shard: within two more, one lands on the other us shard.
    let b = "";
    let other = "";
    for (const id of ["sweep-b", "sweep-c"]) {
      b = await seedUser(id, "admin");
      other = id;
      if ((await shardOf(id)).no !== (await shardOf("sweep-a")).no) break;
    }
    expect((await shardOf("sweep-a")).no).not.toBe((await shardOf(other)).no);
    await upload(a, "a.bin", "a");
    await upload(b, "b.bin", "b");
    await env.BUCKET.put("sweep-a/orphan", "left by a crash");
    const shards = readTopology(env)
      .shardsIn("us")
      .map((s) => createDb(s.d1));
    const report = await sweepOrphans(shards, env.BUCKET, 0, Date.now() + 1000);
    expect(report.deleted).toEqual(["sweep-a/orphan"]);
    expect(await objectsIn(env.BUCKET, "sweep-a/")).toBe(1);
    expect(await objectsIn(env.BUCKET, `${other}/`)).toBe(1);
  });
});
