import { beforeAll, describe, expect, it } from "vitest";
import {
  call,
  callJson,
  randomBytes,
  seedTenant,
  seedUser,
  shardOf,
  storeCounts,
  TUS,
  TUS_OCTETS,
  topology,
  tusPatch,
  upload,
} from "../../helpers";

/**
 * Red-team probes of shard isolation (issue 19: "no id, link, upload URL, bookmark or list parameter
 * reaches another shard's rows"). Three tenants, one per shard (vitest.config.mts / wrangler.toml:
 * shard 0 and 2 in `us`, shard 1 in `eu`), each with a binary whose id has the SAME sequence number
 * (the shards' id counters are set alike), so an id that differs from another tenant's only in its
 * shard suffix is at hand for every probe. Each probe sends what an attacker would and checks that
 * the other shard's row stays out of reach and unchanged. Moves: move-isolation.test.ts.
 */

const SEQUENCE = 7_000_000;

interface Victim {
  tenant: string;
  auth: string;
  shard: number;
  id: string;
  content: Uint8Array;
}

const tenants: Victim[] = [];
let platformAdmin: string;

const json = callJson;
const get = (path: string, auth: string, headers: Record<string, string> = {}) =>
  call(path, { headers: { Authorization: auth, Accept: "application/json", ...headers } });

/** Every tenant other than `victim`'s, i.e. every other shard. */
const othersThan = (victim: Victim) => tenants.filter((t) => t !== victim);

/** The binary still has its bytes for its owner. */
async function intact(victim: Victim): Promise<void> {
  const res = await get(`/inventory/binaries/${victim.id}`, victim.auth);
  expect(res.status).toBe(200);
  expect(new Uint8Array(await res.arrayBuffer())).toEqual(victim.content);
}

beforeAll(async () => {
  platformAdmin = await seedUser("management", "root");
  // One tenant in each shard: eu's only shard, then the two us shards by placement (least loaded first).
  await seedTenant("red-eu", "eu");
  await seedTenant("red-us-a");
  await seedTenant("red-us-b");
  // The next id of every shard has the same sequence: ids then differ in their shard suffix only.
  for (const shard of topology().shards) {
    await shard.d1.prepare("UPDATE counters SET value = ? WHERE name = 'idSequence'").bind(SEQUENCE).run();
  }
  for (const [i, tenant] of ["red-eu", "red-us-a", "red-us-b"].entries()) {
    const auth = await seedUser(tenant, "admin");
    const content = randomBytes(1000 + i, 40 + i);
    const mo = await upload(auth, "secret.bin", content);
    tenants.push({ tenant, auth, shard: (await shardOf(tenant)).no, id: String(mo.id), content });
  }
});

describe("the setup", () => {
  it("puts one tenant in each shard, their ids differing only in the shard suffix", () => {
    expect(tenants.map((t) => t.shard).sort()).toEqual([0, 1, 2]);
    const sequences = tenants.map((t) => Math.floor(Number(t.id) / 1000));
    expect(new Set(sequences).size).toBe(1);
    for (const t of tenants) expect(Number(t.id) % 1000).toBe(t.shard);
  });
});

describe("tenant creation", () => {
  it("the same id created at once in two regions: one wins, its rows are in one shard only", async () => {
    const create = (region: string) =>
      json("POST", "/tenant/tenants", platformAdmin, {
        id: "red-twice",
        company: region,
        domain: `${region}.example.com`,
        adminName: "admin",
        adminPass: "admin-password-1",
        region,
      });
    const answers = await Promise.all([create("eu"), create("us"), create("eu"), create("us")]);
    expect(answers.map((res) => res.status).sort()).toEqual([201, 409, 409, 409]);
    const winner = await answers.find((res) => res.status === 201)!.json<{ region: string }>();
    const shard = await shardOf("red-twice");
    expect(topology().shard(shard.no)!.region).toBe(winner.region);
    for (const s of topology().shards) {
      for (const [table, column] of [
        ["tenants", "id"],
        ["users", "tenant"],
      ] as const) {
        const n = await s.d1
          .prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE ${column} = 'red-twice'`)
          .first<number>("n");
        expect(n, `${table} in shard ${s.no}`).toBe(s.no === shard.no ? 1 : 0);
      }
    }
  });
});

describe("ids naming another shard", () => {
  it("reads, writes, links and metadata of another shard's id (same sequence) are 404 and change nothing", async () => {
    for (const victim of tenants) {
      for (const attacker of othersThan(victim)) {
        const path = `/inventory/binaries/${victim.id}`;
        expect((await get(path, attacker.auth)).status).toBe(404);
        expect((await call(path, { method: "HEAD", headers: { Authorization: attacker.auth } })).status).toBe(404);
        const put = await call(path, {
          method: "PUT",
          headers: { Authorization: attacker.auth, "Content-Type": "text/plain" },
          body: "overwritten",
        });
        expect(put.status).toBe(404);
        expect((await json("POST", `${path}/links`, attacker.auth, {})).status).toBe(404);
        const mo = `/inventory/managedObjects/${victim.id}`;
        expect((await get(mo, attacker.auth)).status).toBe(404);
        expect((await json("PUT", mo, attacker.auth, { name: "renamed" })).status).toBe(404);
        for (const child of ["childAdditions", "childAssets", "childDevices"]) {
          expect([404]).toContain((await get(`${mo}/${child}`, attacker.auth)).status);
        }
        expect((await call(path, { method: "DELETE", headers: { Authorization: attacker.auth } })).status).toBe(404);
        expect((await call(mo, { method: "DELETE", headers: { Authorization: attacker.auth } })).status).toBe(404);
      }
    }
    for (const victim of tenants) {
      await intact(victim);
      const mo = await (await get(`/inventory/managedObjects/${victim.id}`, victim.auth)).json<{ name: string }>();
      expect(mo.name).toBe("secret.bin");
    }
  });

  it("the zip of another shard's ids, alone or mixed with one's own, is 404 and names nothing of theirs", async () => {
    for (const victim of tenants) {
      for (const attacker of othersThan(victim)) {
        const alone = await get(`/inventory/binaries/zip?ids=${victim.id}`, attacker.auth);
        expect(alone.status).toBe(404);
        const mixed = await get(`/inventory/binaries/zip?ids=${attacker.id},${victim.id}`, attacker.auth);
        expect(mixed.status).toBe(404);
        expect(await mixed.text()).not.toContain("secret.bin");
      }
    }
    const own = await get(`/inventory/binaries/zip?ids=${tenants[0]!.id}`, tenants[0]!.auth);
    expect(own.status).toBe(200);
    await own.arrayBuffer();
  });
});

describe("list parameters", () => {
  it("ids=, owner=, text=, type= and query= list only the caller's own rows", async () => {
    const allIds = tenants.map((t) => t.id).join(",");
    for (const caller of tenants) {
      const lists = [
        `/inventory/binaries?ids=${allIds}&pageSize=100`,
        "/inventory/binaries?owner=admin&pageSize=100",
        "/inventory/binaries?text=secret&pageSize=100",
        "/inventory/binaries?type=c8y_test&pageSize=100",
        `/inventory/managedObjects?ids=${allIds}&pageSize=100`,
        `/inventory/managedObjects?query=${encodeURIComponent("name eq 'secret.bin'")}&pageSize=100`,
        `/inventory/managedObjects?query=${encodeURIComponent(`id eq ${othersThan(caller)[0]!.id}`)}&pageSize=100`,
        "/inventory/managedObjects?fragmentType=c8y_IsBinary&pageSize=100",
      ];
      for (const list of lists) {
        const res = await get(list, caller.auth);
        expect(res.status, list).toBe(200);
        const ids = (await res.json<{ managedObjects: { id: string }[] }>()).managedObjects.map((mo) => mo.id);
        expect(
          ids.filter((id) => id !== caller.id),
          list,
        ).toEqual([]);
      }
      const count = await get(`/inventory/managedObjects/count?ids=${allIds}`, caller.auth);
      expect(count.status).toBe(200);
      expect(await count.text()).toBe("1");
    }
  });

  it("the platform admin's own lists hold none of the tenants' binaries", async () => {
    const allIds = tenants.map((t) => t.id).join(",");
    const listed = await get(`/inventory/binaries?ids=${allIds}&pageSize=100`, platformAdmin);
    expect((await listed.json<{ managedObjects: unknown[] }>()).managedObjects).toEqual([]);
    for (const t of tenants) expect((await get(`/inventory/binaries/${t.id}`, platformAdmin)).status).toBe(404);
  });
});

describe("bookmarks", () => {
  it("another shard's bookmark is ignored; a forged one for the caller's own shard is not a 500", async () => {
    const [a, b] = tenants as [Victim, Victim];
    const fromA = (await get(`/inventory/binaries/${a.id}`, a.auth)).headers.get("X-D1-Bookmark")!;
    expect(fromA).toMatch(new RegExp(`^${a.shard}:`));
    // A's bookmark (its shard's number) sent by B: B's shard serves B's rows, A's stay out of reach.
    const relabelled = `${b.shard}:${fromA.slice(fromA.indexOf(":") + 1)}`;
    for (const bookmark of [fromA, relabelled, `${b.shard}:zzz`, `${b.shard}:`, `0${b.shard}:x`, ":", "x"]) {
      const res = await get("/inventory/binaries?pageSize=100", b.auth, { "X-D1-Bookmark": bookmark });
      expect(res.status, bookmark).toBe(200);
      const ids = (await res.json<{ managedObjects: { id: string }[] }>()).managedObjects.map((mo) => mo.id);
      expect(ids, bookmark).toEqual([b.id]);
      expect(res.headers.get("X-D1-Bookmark"), bookmark).toMatch(new RegExp(`^${b.shard}:`));
      const read = await get(`/inventory/binaries/${a.id}`, b.auth, { "X-D1-Bookmark": bookmark });
      expect(read.status, bookmark).toBe(404);
    }
  });
});

describe("signed links", () => {
  it("changing the region, tenant, id or object, or adding a second region, breaks the link", async () => {
    const [eu, us] = [tenants.find((t) => t.shard === 1)!, tenants.find((t) => t.shard !== 1)!];
    const minted = await (await json("POST", `/inventory/binaries/${eu.id}/links`, eu.auth, {})).json<{
      url: string;
    }>();
    const link = new URL(minted.url);
    expect((await call(`${link.pathname}${link.search}`)).status).toBe(200);
    const tampered = (change: (url: URL) => void) => {
      const url = new URL(link);
      change(url);
      return call(`${url.pathname}${url.search}`);
    };
    expect((await tampered((u) => u.searchParams.set("region", "us"))).status).toBe(403);
    expect((await tampered((u) => u.searchParams.set("tenant", us.tenant))).status).toBe(403);
    const both = await tampered((u) => {
      u.searchParams.set("region", "us");
      u.searchParams.set("tenant", us.tenant);
    });
    expect(both.status).toBe(403);
    // The id of the other shard's binary with the same sequence.
    expect((await tampered((u) => (u.pathname = `/links/binaries/${us.id}`))).status).toBe(403);
    expect((await tampered((u) => u.searchParams.set("object", "x"))).status).toBe(403);
    expect((await tampered((u) => u.searchParams.append("region", "us"))).status).toBe(404);
    // Shard data a link does not carry is simply not read: the bytes are the eu tenant's own.
    const extra = await tampered((u) => u.searchParams.set("shard", String(us.shard)));
    expect(new Uint8Array(await extra.arrayBuffer())).toEqual(eu.content);
  });
});

describe("upload URLs", () => {
  it("another tenant's tus or draft upload URL is 404 for every method, and the upload goes on untouched", async () => {
    const [owner, ...attackers] = tenants as [Victim, ...Victim[]];
    const created = await call("/inventory/binaries/uploads", {
      method: "POST",
      headers: { Authorization: owner.auth, ...TUS, "Upload-Length": "10", "Upload-Metadata": `filename ${btoa("u")}` },
    });
    expect(created.status).toBe(201);
    const path = new URL(created.headers.get("Location")!).pathname;
    expect((await tusPatch(path, owner.auth, "hello", 5)).status).toBe(204);
    for (const attacker of attackers) {
      const a = { Authorization: attacker.auth };
      expect((await call(path, { method: "HEAD", headers: { ...a, ...TUS } })).status).toBe(404);
      expect((await call(path, { method: "HEAD", headers: a })).status).toBe(404); // draft
      expect((await call(path, { method: "GET", headers: a })).status).toBe(404);
      expect((await tusPatch(path, attacker.auth, "world", 5, 5)).status).toBe(404);
      const draft = await call(path, {
        method: "PATCH",
        headers: { ...a, "Content-Type": "application/partial-upload", "Upload-Offset": "5", "Upload-Complete": "?1" },
        body: "world",
      });
      expect(draft.status).toBe(404);
      expect((await call(path, { method: "DELETE", headers: { ...a, ...TUS } })).status).toBe(404);
      // tus clients behind proxies that pass only GET and POST.
      for (const method of ["PATCH", "DELETE"]) {
        const overridden = await call(path, {
          method: "POST",
          headers: { ...a, ...TUS, "X-HTTP-Method-Override": method, "Content-Type": TUS_OCTETS, "Upload-Offset": "5" },
          body: "world",
        });
        expect(overridden.status, method).toBe(404);
      }
      const listed = await get("/inventory/binaries/uploads", attacker.auth);
      expect(JSON.stringify(await listed.json())).not.toContain(path.split("/").pop()!);
    }
    const head = await call(path, { method: "HEAD", headers: { Authorization: owner.auth, ...TUS } });
    expect(head.headers.get("Upload-Offset")).toBe("5");
    expect((await tusPatch(path, owner.auth, "world", 5, 5)).status).toBe(204);
  });

  it("a resumable replace naming another shard's binary is refused and stores nothing", async () => {
    for (const victim of tenants) {
      for (const attacker of othersThan(victim)) {
        const before = await storeCounts();
        const res = await call("/inventory/binaries/uploads", {
          method: "POST",
          headers: {
            Authorization: attacker.auth,
            ...TUS,
            "Upload-Length": "5",
            "Upload-Metadata": `binaryId ${btoa(victim.id)}`,
          },
        });
        expect(res.status).toBe(404);
        expect(await storeCounts()).toEqual(before);
      }
      await intact(victim);
    }
  });
});

describe("tenant admins and the platform admin across shards", () => {
  it("a tenant admin reaches no other tenant's tenant, users, statistics or move", async () => {
    for (const victim of tenants) {
      for (const attacker of othersThan(victim)) {
        const forbidden = [
          await get(`/tenant/tenants/${victim.tenant}`, attacker.auth),
          await json("PUT", `/tenant/tenants/${victim.tenant}`, attacker.auth, { company: "mine now" }),
          await json("POST", `/tenant/tenants/${victim.tenant}/move`, attacker.auth, {}),
          await get(`/user/${victim.tenant}/users`, attacker.auth),
          await get(`/user/${victim.tenant}/users/admin`, attacker.auth),
          await json("PUT", `/user/${victim.tenant}/users/admin`, attacker.auth, { password: "taken-over-1" }),
          await json("POST", `/user/${victim.tenant}/users`, attacker.auth, {
            userName: "spy",
            password: "spy-pass-12",
          }),
          await get(`/tenant/statistics/summary?tenant=${victim.tenant}`, attacker.auth),
          await get("/tenant/statistics/allTenantsSummary", attacker.auth),
          await get(`/tenant/statistics/usageCheck?tenant=${victim.tenant}`, attacker.auth),
          await get("/tenant/tenants?pageSize=100", attacker.auth),
          await get(`/tenant/tenants/${victim.tenant}/move/move-${victim.tenant}-1-0-1-1`, attacker.auth),
          await call(`/tenant/tenants/${victim.tenant}`, {
            method: "DELETE",
            headers: { Authorization: attacker.auth },
          }),
        ];
        // 403, or 404 where the API does not say whether another tenant exists (`/user/{tenant}/…`).
        for (const res of forbidden) expect([403, 404], res.url).toContain(res.status);
      }
    }
    for (const victim of tenants) {
      await intact(victim);
      const me = await get("/user/currentUser", victim.auth);
      expect(me.status).toBe(200);
    }
  });

  it("a tenant's PUT cannot re-home it: region, shard and id in the body change no placement", async () => {
    const victim = tenants.find((t) => t.shard === 0)!;
    const before = await shardOf(victim.tenant);
    const res = await json("PUT", `/tenant/tenants/${victim.tenant}`, platformAdmin, {
      company: "still here",
      region: "eu",
      shard: 1,
      id: "red-renamed",
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: victim.tenant, region: "us", company: "still here" });
    expect(await shardOf(victim.tenant)).toEqual(before);
    expect((await json("GET", "/tenant/tenants/red-renamed", platformAdmin)).status).toBe(404);
    await intact(victim);
  });

  it("the platform admin reads each tenant's users and usage from that tenant's shard", async () => {
    for (const t of tenants) {
      const users = await (await get(`/user/${t.tenant}/users`, platformAdmin)).json<{
        users: { userName: string }[];
      }>();
      expect(users.users.map((u) => u.userName)).toEqual(["admin"]);
      const summary = await get(`/tenant/statistics/summary?tenant=${t.tenant}`, platformAdmin);
      expect(summary.status).toBe(200);
      const own = await (await get("/inventory/binaries?pageSize=100", t.auth)).json<{
        managedObjects: { length: number }[];
      }>();
      const stored = own.managedObjects.reduce((sum, mo) => sum + mo.length, 0);
      const body = await summary.json<{ c8y_BinaryStorage: { storedBytes: number } }>();
      expect(body.c8y_BinaryStorage.storedBytes).toBe(stored);
    }
  });
});

describe("nothing leaked into other shards or buckets", () => {
  it("each shard holds the rows of its own tenants only, each bucket the objects of its region's tenants", async () => {
    for (const shard of topology().shards) {
      const rows = await shard.d1.prepare("SELECT DISTINCT tenant FROM binaries").all<{ tenant: string }>();
      for (const { tenant } of rows.results) {
        if (!tenant.startsWith("red-")) continue;
        expect((await shardOf(tenant)).no, `${tenant} in shard ${shard.no}`).toBe(shard.no);
      }
    }
    for (const region of topology().regions.values()) {
      const objects = (await region.bucket.list({ prefix: "red-" })).objects;
      for (const { key } of objects) {
        const tenant = key.slice(0, key.indexOf("/"));
        const shard = topology().shard((await shardOf(tenant)).no)!;
        expect(shard.region, key).toBe(region.name);
      }
    }
  });
});
