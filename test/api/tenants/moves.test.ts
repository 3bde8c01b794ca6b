import { introspectWorkflow } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { findUsageDrift, readUsage } from "../../../src/db/usage";
import { readTopology } from "../../../src/shards/topology";
import {
  copyBytes,
  copyTable,
  freeze,
  MOVED_TABLES,
  type MovePlan,
  moveTenant,
  removeOld,
  switchOver,
} from "../../../src/tenants/move";
import {
  basic,
  call,
  countEverywhere,
  randomBytes,
  seedUser,
  shardDb,
  shardOf,
  TUS,
  tusPatch,
  upload,
} from "../../helpers";

/**
 * Moving a tenant between shards (issue 19): rows copied, the directory switched, the old rows
 * removed; reads work throughout, writes during the move are refused with 503 + Retry-After and
 * nothing is lost or duplicated; a move killed at any step can be run again.
 */

let platformAdmin: string;
beforeAll(async () => {
  platformAdmin = await seedUser("management", "root");
});

const topology = () => readTopology(env);

/** A move of `tenant` to the other us shard (or to `region`'s first shard). */
async function planFor(tenant: string, region?: string): Promise<MovePlan> {
  const from = await shardOf(tenant);
  const fromShard = topology().shard(from.no)!;
  const to = region
    ? topology().shardsIn(region)[0]!
    : topology().shards.find((s) => s.region === fromShard.region && s.no !== from.no)!;
  return { tenant, fromShard: from.no, toShard: to.no, fromRegion: fromShard.region, toRegion: to.region };
}

const STEPS: ((plan: MovePlan) => Promise<unknown>)[] = [
  (plan) => freeze(topology(), plan),
  ...MOVED_TABLES.map((table) => (plan: MovePlan) => copyTable(topology(), plan, table)),
  (plan) => copyBytes(topology(), plan),
  (plan) => switchOver(topology(), plan),
  (plan) => removeOld(topology(), plan),
];

/** Rows of the tenant per shard, over the tables a move copies. */
async function rowsIn(tenant: string): Promise<Record<number, number>> {
  const counts: Record<number, number> = {};
  for (const shard of topology().shards) {
    let n = 0;
    for (const table of ["users", "binaries", "uploads", "sessions"]) {
      n += (await shard.d1
        .prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE tenant = ?`)
        .bind(tenant)
        .first<number>("n"))!;
    }
    n += (await shard.d1.prepare("SELECT COUNT(*) AS n FROM tenants WHERE id = ?").bind(tenant).first<number>("n"))!;
    counts[shard.no] = n;
  }
  return counts;
}

const get = (auth: string, id: string) => call(`/inventory/binaries/${id}`, { headers: { Authorization: auth } });

describe("moving a tenant", () => {
  it("copies its rows, switches the directory and removes the old rows; ids and bytes stay", async () => {
    const auth = await seedUser("mv-basic", "admin");
    const a = await upload(auth, "a.bin", randomBytes(2000, 1));
    const b = await upload(auth, "b.bin", randomBytes(3000, 2));
    const plan = await planFor("mv-basic");
    const before = await rowsIn("mv-basic");
    expect(before[plan.fromShard]).toBe(4); // tenant, user, two binaries
    await moveTenant(topology(), plan);
    expect((await shardOf("mv-basic")).no).toBe(plan.toShard);
    const after = await rowsIn("mv-basic");
    expect(after[plan.fromShard]).toBe(0);
    expect(after[plan.toShard]).toBe(4);
    expect(new Uint8Array(await (await get(auth, a.id)).arrayBuffer())).toEqual(randomBytes(2000, 1));
    expect(new Uint8Array(await (await get(auth, b.id)).arrayBuffer())).toEqual(randomBytes(3000, 2));
    const list = await (await call("/inventory/binaries", { headers: { Authorization: auth } })).json<any>();
    expect(list.managedObjects.map((m: any) => m.id).sort()).toEqual([a.id, b.id].sort());
    // New uploads go to the new shard and get its ids.
    const c = await upload(auth, "c.bin", "c");
    expect(Number(c.id) % 1000).toBe(plan.toShard);
  });

  it("during the move reads work and writes get 503 with Retry-After; after it, writes work again", async () => {
    const auth = await seedUser("mv-writes", "admin");
    const mo = await upload(auth, "keep.bin", "keep");
    const plan = await planFor("mv-writes");
    await freeze(topology(), plan);
    expect(await (await get(auth, mo.id)).text()).toBe("keep");
    const refused = [
      await call(`/inventory/binaries/${mo.id}`, {
        method: "PUT",
        body: "new",
        headers: { Authorization: auth, "Content-Type": "text/plain" },
      }),
      await call(`/inventory/binaries/${mo.id}`, { method: "DELETE", headers: { Authorization: auth } }),
    ];
    for (const res of refused) {
      expect(res.status).toBe(503);
      expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
      expect(await res.json()).toMatchObject({ error: "tenant/Service Unavailable" });
    }
    await expect(upload(auth, "new.bin", "x")).rejects.toThrow(/503/);
    for (const table of MOVED_TABLES) await copyTable(topology(), plan, table);
    await switchOver(topology(), plan);
    // Switched: reads still answered (by the new shard), writes accepted there.
    expect(await (await get(auth, mo.id)).text()).toBe("keep");
    await removeOld(topology(), plan);
    await upload(auth, "later.bin", "later");
    expect(await countEverywhere("SELECT COUNT(*) AS n FROM binaries WHERE tenant = 'mv-writes'")).toBe(2);
    expect(
      await countEverywhere("SELECT COUNT(*) AS n FROM binaries WHERE tenant = 'mv-writes' AND name = 'new.bin'"),
    ).toBe(0);
  });

  it("killed after any step and run again from the start, the move ends with every row once", async () => {
    for (let killedAfter = 0; killedAfter < STEPS.length; killedAfter++) {
      const tenant = `mv-kill-${killedAfter}`;
      const auth = await seedUser(tenant, "admin");
      const files = [await upload(auth, "1.bin", randomBytes(500, killedAfter)), await upload(auth, "2.bin", "two")];
      const plan = await planFor(tenant);
      for (const step of STEPS.slice(0, killedAfter + 1)) await step(plan);
      await moveTenant(topology(), plan); // the re-run
      const rows = await rowsIn(tenant);
      expect(rows[plan.fromShard], `killed after step ${killedAfter}`).toBe(0);
      expect(rows[plan.toShard], `killed after step ${killedAfter}`).toBe(4);
      expect(new Uint8Array(await (await get(auth, files[0]!.id)).arrayBuffer())).toEqual(
        randomBytes(500, killedAfter),
      );
      expect(await (await get(auth, files[1]!.id)).text()).toBe("two");
    }
  });

  it("uploads, replaces, deletes and downloads running during the move lose nothing", async () => {
    const auth = await seedUser("mv-busy", "admin");
    const kept = await upload(auth, "kept.bin", "kept");
    const plan = await planFor("mv-busy");
    /** Each write is retried after a 503 until it is accepted, as a client honouring Retry-After does. */
    const expected = new Map<string, string>([[kept.id, "kept"]]);
    let stop = false;
    let refusals = 0;
    let downloads = 0;
    const retry = async (send: () => Promise<Response>) => {
      for (;;) {
        const res = await send();
        if (res.status !== 503) return res;
        refusals++;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    const writer = (async () => {
      for (let i = 0; !stop || i < 6; i++) {
        const created = await retry(() =>
          call("/inventory/binaries", {
            method: "POST",
            body: (() => {
              const form = new FormData();
              form.append("object", JSON.stringify({ name: `f${i}`, type: "c8y_Firmware" }));
              form.append("file", new Blob([`v${i}`]));
              return form;
            })(),
            headers: { Authorization: auth, Accept: "application/json" },
          }),
        );
        expect(created.status).toBe(201);
        const { id } = await created.json<{ id: string }>();
        expected.set(id, `v${i}`);
        if (i % 2 === 0) {
          const replaced = await retry(() =>
            call(`/inventory/binaries/${id}`, {
              method: "PUT",
              body: `r${i}`,
              headers: { Authorization: auth, "Content-Type": "text/plain" },
            }),
          );
          expect(replaced.status).toBe(201);
          expected.set(id, `r${i}`);
        } else {
          const deleted = await retry(() =>
            call(`/inventory/binaries/${id}`, { method: "DELETE", headers: { Authorization: auth } }),
          );
          expect(deleted.status).toBe(204);
          expected.delete(id);
        }
      }
    })();
    const reader = (async () => {
      while (!stop) {
        const res = await get(auth, kept.id);
        expect(res.status).toBe(200);
        expect(await res.text()).toBe("kept");
        downloads++;
      }
    })();
    const pause = () => new Promise((resolve) => setTimeout(resolve, 150));
    await pause();
    // The move step by step, each step given time, so writes and reads meet every phase of it.
    for (const step of STEPS) {
      await step(plan);
      await pause();
    }
    stop = true;
    await Promise.all([writer, reader]);
    expect(downloads).toBeGreaterThan(3);
    expect(refusals).toBeGreaterThan(0);
    const list = await (
      await call("/inventory/binaries?pageSize=100", { headers: { Authorization: auth } })
    ).json<any>();
    expect(new Set(list.managedObjects.map((m: any) => m.id))).toEqual(new Set(expected.keys()));
    for (const [id, content] of expected) expect(await (await get(auth, id)).text()).toBe(content);
    expect((await rowsIn("mv-busy"))[plan.fromShard]).toBe(0);
    console.log(`moved under load: ${refusals} writes refused with 503 and retried, ${downloads} downloads`);
  });

  it("to another region: bytes copied to the new region's bucket and removed from the old one", async () => {
    const auth = await seedUser("mv-region", "admin");
    const mo = await upload(auth, "r.bin", randomBytes(4000, 9));
    const plan = await planFor("mv-region", "eu");
    expect(plan.toRegion).toBe("eu");
    await moveTenant(topology(), plan);
    expect((await env.BUCKET.list({ prefix: "mv-region/" })).objects).toHaveLength(0);
    expect((await env.BUCKET_EU.list({ prefix: "mv-region/" })).objects).toHaveLength(1);
    expect(new Uint8Array(await (await get(auth, mo.id)).arrayBuffer())).toEqual(randomBytes(4000, 9));
    const shown = await (
      await call("/tenant/tenants/mv-region", { headers: { Authorization: platformAdmin } })
    ).json<any>();
    expect(shown.region).toBe("eu");
  });
});

describe("a move to another region with an open resumable upload", () => {
  it("drops the upload and its reservation: usage is the stored binaries only, no drift, re-run safe", async () => {
    const tenant = "mv-open-eu";
    const auth = await seedUser(tenant, "admin");
    const kept = await upload(auth, "kept.bin", randomBytes(1500, 4));
    const minted = await call(`/inventory/binaries/${kept.id}/links`, {
      method: "POST",
      headers: { Authorization: auth, "Content-Type": "application/json" },
      body: "{}",
    });
    const link = new URL((await minted.json<{ url: string }>()).url);
    // Not fetched before the move: a fetched one may be answered from the old region's edge cache.
    const created = await call("/inventory/binaries/uploads", {
      method: "POST",
      headers: { Authorization: auth, ...TUS, "Upload-Length": "2000", "Upload-Metadata": `filename ${btoa("o.bin")}` },
    });
    expect(created.status).toBe(201);
    const path = new URL(created.headers.get("Location")!).pathname;
    expect((await tusPatch(path, auth, randomBytes(1000, 5), 1000)).status).toBe(204);
    expect(await readUsage(await shardDb(tenant), tenant)).toMatchObject({ uploads: 1, uploadReservedBytes: 2000 });
    const plan = await planFor(tenant, "eu");
    expect(plan.fromRegion).toBe("us");
    await freeze(topology(), plan);
    for (const table of MOVED_TABLES) await copyTable(topology(), plan, table);
    // A crash after the usage step: the workflow runs it again; it must not subtract twice.
    await copyTable(topology(), plan, "tenant_usage");
    await copyTable(topology(), plan, "tenant_usage");
    await copyBytes(topology(), plan);
    await switchOver(topology(), plan);
    await removeOld(topology(), plan);
    await moveTenant(topology(), plan); // the whole move again: nothing changes
    expect((await shardOf(tenant)).no).toBe(plan.toShard);
    expect((await call(path, { method: "HEAD", headers: { Authorization: auth, ...TUS } })).status).toBe(404);
    // A signed link minted before the move names the old region: 404 now (docs/api.md#shards-and-regions).
    expect((await call(`${link.pathname}${link.search}`)).status).toBe(404);
    expect((await get(auth, kept.id)).status).toBe(200);
    const db = await shardDb(tenant);
    expect(await findUsageDrift(db, tenant)).toEqual([]);
    expect(await readUsage(db, tenant)).toMatchObject({
      storedBytes: 1500,
      binaries: 1,
      uploads: 0,
      uploadReceivedBytes: 0,
      uploadReservedBytes: 0,
    });
    const check = await call(`/tenant/statistics/usageCheck?tenant=${tenant}`, {
      headers: { Authorization: platformAdmin },
    });
    expect(await check.json()).toEqual({ drift: [] });
  });
});

describe("the move as a Workflow", () => {
  it("POST /tenant/tenants/{id}/move starts it; a failing step is retried; the move completes", async () => {
    const auth = await seedUser("mv-flow", "admin");
    const mo = await upload(auth, "w.bin", "workflow");
    const from = (await shardOf("mv-flow")).no;
    await using introspector = await introspectWorkflow(env.MOVE_TENANT);
    await introspector.modifyAll(async (m) => {
      await m.disableSleeps();
      await m.disableRetryDelays();
      // A crash in the middle of the copy: the step fails twice, the engine runs it again.
      await m.mockStepError({ name: "copy binaries" }, new Error("killed"), 2);
    });
    const started = await call("/tenant/tenants/mv-flow/move", {
      method: "POST",
      body: "{}",
      headers: { Authorization: platformAdmin, "Content-Type": "application/json" },
    });
    expect(started.status).toBe(202);
    const body = await started.json<{ id: string; from: { shard: number }; to: { shard: number } }>();
    expect(body.from.shard).toBe(from);
    const [instance] = await introspector.get();
    await instance!.waitForStatus("complete");
    expect((await shardOf("mv-flow")).no).toBe(body.to.shard);
    expect(await (await get(auth, mo.id)).text()).toBe("workflow");
    const status = await call(`/tenant/tenants/mv-flow/move/${body.id}`, { headers: { Authorization: platformAdmin } });
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ status: "complete" });
  });

  it("refuses a move to an unknown shard or region, and one of an unknown tenant", async () => {
    await seedUser("mv-bad", "admin");
    const move = (id: string, body: unknown) =>
      call(`/tenant/tenants/${id}/move`, {
        method: "POST",
        body: JSON.stringify(body),
        headers: { Authorization: platformAdmin, "Content-Type": "application/json" },
      });
    expect((await move("mv-bad", { shard: 99 })).status).toBe(422);
    expect((await move("mv-bad", { region: "mars" })).status).toBe(422);
    expect((await move("nobody-here", {})).status).toBe(404);
    const device = basic("mv-bad/admin", "secret-password");
    expect(
      (await call("/tenant/tenants/mv-bad/move", { method: "POST", headers: { Authorization: device } })).status,
    ).toBe(403);
  });
});
