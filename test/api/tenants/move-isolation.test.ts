import { introspectWorkflow } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { copyTable, freeze, MOVED_TABLES, type MovePlan, removeOld, switchOver } from "../../../src/tenants/move";
import { basic, call, seedTenant, seedUser, shardOf, topology, upload } from "../../helpers";

/**
 * Red-team probes of shard isolation while tenants move (issue 19; the other probes are in
 * shard-isolation.test.ts): a login without its tenant during a move, ids that keep their old shard's
 * suffix in the new shard, and a move into a shard that still holds an old copy of the tenant. The
 * steps of tenants/move.ts are run one by one, so each probe can stop between them.
 */

const PASSWORD = "secret-password";
const get = (path: string, auth: string) =>
  call(path, { headers: { Authorization: auth, Accept: "application/json" } });

/** Runs a move of `tenant` within `us` step by step; `upTo` "switch" leaves the old copy behind. */
async function move(tenant: string, fromShard: number, toShard: number, upTo: "copy" | "switch" | "remove") {
  const plan: MovePlan = { tenant, fromShard, toShard, fromRegion: "us", toRegion: "us" };
  await freeze(topology(), plan);
  for (const table of MOVED_TABLES) await copyTable(topology(), plan, table);
  if (upTo === "copy") return plan;
  await switchOver(topology(), plan);
  if (upTo === "remove") await removeOld(topology(), plan);
  return plan;
}

/** The other us shard than `no`. */
const otherUsShard = (no: number) => topology().shards.find((s) => s.region === "us" && s.no !== no)!.no;

describe("a tenant being moved", () => {
  it("a login without the tenant finds its user while the rows sit in both shards", async () => {
    await seedTenant("red-moving");
    // One user per phase of the move, each logging in for the first time then (no cached login).
    const phases = ["fresh", "copied", "switched", "removed"] as const;
    for (const phase of phases) await seedUser("red-moving", `only-${phase}-mover`, [], PASSWORD);
    const firstLogin = async (phase: (typeof phases)[number]) => {
      const res = await get("/user/currentUser", basic(`only-${phase}-mover`, PASSWORD));
      return `${phase}: ${res.status}`;
    };
    const from = (await shardOf("red-moving")).no;
    expect(await firstLogin("fresh")).toBe("fresh: 200");
    const plan = await move("red-moving", from, otherUsShard(from), "copy");
    // Copied, not switched: the user is in two shards, of one tenant.
    expect(await firstLogin("copied")).toBe("copied: 200");
    await switchOver(topology(), plan);
    expect(await firstLogin("switched")).toBe("switched: 200");
    await removeOld(topology(), plan);
    expect(await firstLogin("removed")).toBe("removed: 200");
  });

  it("a moved tenant's ids (with the old shard's suffix) reach its rows in the new shard only", async () => {
    // Two tenants on the two us shards, their next ids of the same sequence.
    await seedTenant("red-mover");
    const from = (await shardOf("red-mover")).no;
    // New tenants go to the less loaded us shard: within two, one lands on the other.
    let other = "";
    for (const candidate of ["red-neighbour", "red-neighbour-2"]) {
      await seedTenant(candidate);
      other = candidate;
      if ((await shardOf(candidate)).no !== from) break;
    }
    const to = (await shardOf(other)).no;
    expect(to).not.toBe(from);
    for (const shard of topology().shards) {
      await shard.d1.prepare("UPDATE counters SET value = 8000000 WHERE name = 'idSequence'").run();
    }
    const mover = await seedUser("red-mover", "admin");
    const neighbour = await seedUser(other, "admin");
    const moverId = String((await upload(mover, "m.bin", "mover's")).id);
    const neighbourId = String((await upload(neighbour, "n.bin", "neighbour's")).id);
    expect(Math.floor(Number(moverId) / 1000)).toBe(Math.floor(Number(neighbourId) / 1000));
    await move("red-mover", from, to, "remove");
    expect((await shardOf("red-mover")).no).toBe(to);
    // Now both live in one shard: still neither reaches the other's binary.
    expect(await (await get(`/inventory/binaries/${moverId}`, mover)).text()).toBe("mover's");
    expect(await (await get(`/inventory/binaries/${neighbourId}`, neighbour)).text()).toBe("neighbour's");
    expect((await get(`/inventory/binaries/${moverId}`, neighbour)).status).toBe(404);
    expect((await get(`/inventory/binaries/${neighbourId}`, mover)).status).toBe(404);
    const list = await get(`/inventory/binaries?ids=${moverId},${neighbourId}`, neighbour);
    expect((await list.json<{ managedObjects: { id: string }[] }>()).managedObjects.map((m) => m.id)).toEqual([
      neighbourId,
    ]);
    // New ids in the new shard never meet the moved ones.
    const fresh = String((await upload(mover, "after-move.bin", "after")).id);
    expect(Number(fresh) % 1000).toBe(to);
    expect([moverId, neighbourId]).not.toContain(fresh);
  });
});

describe("a tenant moved into a shard that still holds an old copy of it", () => {
  it("does not bring back users and binaries deleted since that copy was left behind", async () => {
    await seedTenant("red-boomerang");
    const admin = await seedUser("red-boomerang", "admin");
    const bob = await seedUser("red-boomerang", "bob");
    const kept = await upload(admin, "kept.bin", "kept");
    const dropped = await upload(admin, "dropped.bin", "dropped");
    const first = (await shardOf("red-boomerang")).no;
    const other = otherUsShard(first);
    // A move whose last step (removing the old copy) never ran: the old shard keeps a copy, marked moved away.
    await move("red-boomerang", first, other, "switch");
    expect((await get("/user/currentUser", bob)).status).toBe(200);
    // In the new shard, bob is removed (say his password leaked) and a binary deleted.
    expect(
      (await call("/user/red-boomerang/users/bob", { method: "DELETE", headers: { Authorization: admin } })).status,
    ).toBe(204);
    expect(
      (await call(`/inventory/binaries/${dropped.id}`, { method: "DELETE", headers: { Authorization: admin } })).status,
    ).toBe(204);
    expect((await get("/user/currentUser", bob)).status).toBe(401);
    // Moved back into the shard with the old copy.
    await move("red-boomerang", other, first, "remove");
    expect((await shardOf("red-boomerang")).no).toBe(first);
    expect((await get("/user/currentUser", bob)).status).toBe(401);
    const users = await (await get("/user/red-boomerang/users", admin)).json<{ users: { userName: string }[] }>();
    expect(users.users.map((u) => u.userName)).toEqual(["admin"]);
    const list = await (await get("/inventory/binaries?pageSize=100", admin)).json<{
      managedObjects: { id: string }[];
    }>();
    expect(list.managedObjects.map((mo) => mo.id)).toEqual([kept.id]);
    expect((await get(`/inventory/binaries/${dropped.id}`, admin)).status).toBe(404);
  });
});

describe("a tenant deleted while it is being moved", () => {
  it("is refused (409) and changes nothing; deleted after the move, its copy cannot log in anywhere", async () => {
    const root = await seedUser("management", "root");
    // A tenant on shard 2, moved towards shard 0 (where requests naming unknown tenants are routed).
    let tenant = "";
    for (const candidate of ["red-doomed", "red-doomed-2", "red-doomed-3"]) {
      await seedTenant(candidate);
      tenant = candidate;
      if ((await shardOf(candidate)).no === 2) break;
    }
    expect((await shardOf(tenant)).no).toBe(2);
    const admin = await seedUser(tenant, "admin");
    const mo = await upload(admin, "d.bin", "doomed");
    const del = () => call(`/tenant/tenants/${tenant}`, { method: "DELETE", headers: { Authorization: root } });
    const plan = await move(tenant, 2, 0, "copy");
    const refused = await del();
    expect(refused.status).toBe(409); // docs/api.md: 409 while the tenant is being moved
    expect((await get(`/inventory/binaries/${mo.id}`, admin)).status).toBe(200);
    await switchOver(topology(), plan);
    await removeOld(topology(), plan);
    expect(await (await get(`/inventory/binaries/${mo.id}`, admin)).text()).toBe("doomed");
    expect((await del()).status).toBe(204);
    expect((await get("/user/currentUser", admin)).status).toBe(401);
    for (const shard of topology().shards) {
      const n = await shard.d1
        .prepare("SELECT COUNT(*) AS n FROM users WHERE tenant = ?")
        .bind(tenant)
        .first<number>("n");
      expect(n, `shard ${shard.no}`).toBe(0);
    }
  });
});

describe("an old copy of a tenant left in another shard", () => {
  it("makes no bare login ambiguous, and goes when the tenant is deleted", async () => {
    const root = await seedUser("management", "root");
    await seedTenant("red-left");
    await seedUser("red-left", "carol-shared", [], PASSWORD);
    const from = (await shardOf("red-left")).no;
    // A move whose last step (removing the old copy) never ran.
    await move("red-left", from, otherUsShard(from), "switch");
    // Another tenant's user of the same name: with red-left's there are two, so a bare login is refused...
    await seedTenant("red-right");
    await seedUser("red-right", "carol-shared", [], PASSWORD);
    const bareCarol = basic("carol-shared", PASSWORD);
    expect((await get("/user/currentUser", bareCarol)).status).toBe(401);
    await using deletion = await introspectWorkflow(env.DELETE_TENANT);
    await deletion.modifyAll((m) => m.disableRetryDelays());
    const deleted = await call("/tenant/tenants/red-left", { method: "DELETE", headers: { Authorization: root } });
    expect(deleted.status).toBe(204);
    const [job] = await deletion.get();
    await job!.waitForStatus("complete");
    for (const shard of topology().shards) {
      for (const [table, column] of [
        ["tenants", "id"],
        ["users", "tenant"],
      ] as const) {
        const n = await shard.d1.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE ${column} = 'red-left'`).first("n");
        expect(n, `${table} in shard ${shard.no}`).toBe(0);
      }
    }
    // ...and once red-left is deleted, red-right's is the only one: the old copy counts no more.
    expect((await get("/user/currentUser", bareCarol)).status).toBe(200);
  });

  it("is not counted as a second tenant by a bare login while the tenant lives on", async () => {
    await seedTenant("red-stays");
    await seedUser("red-stays", "dave-only", [], PASSWORD);
    const from = (await shardOf("red-stays")).no;
    await move("red-stays", from, otherUsShard(from), "switch");
    expect((await get("/user/currentUser", basic("dave-only", PASSWORD))).status).toBe(200);
  });
});
