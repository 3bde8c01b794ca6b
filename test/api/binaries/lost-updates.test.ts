import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, seedUser, shardOf, upload } from "../../helpers";

/** No lost updates: concurrent replaces never 404 an existing binary, concurrent fragment updates all survive. */
let admin: string;
beforeAll(async () => {
  admin = await seedUser("t1", "alice");
});

describe("concurrent writes", () => {
  it("8 parallel PUTs of new bytes, 5 rounds: all 201, one object left, every revision counted", async () => {
    const racer = await seedUser("race", "racer"); // a tenant of its own, so its R2 prefix holds only this binary
    const mo = await upload(racer, "race.bin", "start");
    const bodies = new Set<string>();
    for (let round = 0; round < 5; round++) {
      const puts = Array.from({ length: 8 }, (_, i) => {
        const body = `round ${round} writer ${i}`;
        bodies.add(body);
        return call(`/inventory/binaries/${mo.id}`, {
          method: "PUT",
          body,
          headers: { Authorization: racer, "Content-Type": "text/plain" },
        });
      });
      const statuses = await Promise.all(puts.map(async (p) => (await p).status));
      expect(statuses).toEqual(Array(8).fill(201));
    }
    const row = await (await shardOf("race")).d1
      .prepare("SELECT revpos, r2_key FROM binaries WHERE id = ?")
      .bind(Number(mo.id))
      .first<{ revpos: number; r2_key: string }>();
    expect(row?.revpos).toBe(41);
    const objects = (await env.BUCKET.list({ prefix: "race/" })).objects.map((o) => o.key);
    expect(objects).toEqual([row?.r2_key]);
    expect(
      bodies.has(await (await call(`/inventory/binaries/${mo.id}`, { headers: { Authorization: racer } })).text()),
    ).toBe(true);
  });

  it("10 parallel managed-object PUTs that each add one fragment keep all 10", async () => {
    const mo = await upload(admin, "frag.bin", "f", { c8y_Base: { v: 0 } });
    const puts = Array.from({ length: 10 }, (_, i) =>
      call(`/inventory/managedObjects/${mo.id}`, {
        method: "PUT",
        body: JSON.stringify({ [`c8y_F${i}`]: { i } }),
        headers: { Authorization: admin, "Content-Type": "application/json" },
      }),
    );
    expect((await Promise.all(puts)).map((r) => r.status)).toEqual(Array(10).fill(200));
    const after = await (
      await call(`/inventory/managedObjects/${mo.id}`, { headers: { Authorization: admin } })
    ).json<any>();
    for (let i = 0; i < 10; i++) expect(after[`c8y_F${i}`]).toEqual({ i });
    expect(after.c8y_Base).toEqual({ v: 0 });
  });

  it("a merge replaces whole fragments, removes null ones, keeps nested nulls and exact numbers", async () => {
    const mo = await upload(admin, "m.bin", "m", { c8y_A: { x: 1, y: 2 }, c8y_B: "b", c8y_C: [1] });
    const res = await call(`/inventory/managedObjects/${mo.id}`, {
      method: "PUT",
      body: '{"c8y_A":{"z":null},"c8y_B":null,"c8y_D":0.30000000000000004,"we.ird \\"key":true,"name":"renamed.bin"}',
      // With an Accept header the PUT answers the updated object (docs/api.md#media-types).
      headers: { Authorization: admin, "Content-Type": "application/json", Accept: "application/json" },
    });
    expect(res.status).toBe(200);
    const after = await res.json<any>();
    expect(after).toMatchObject({
      name: "renamed.bin",
      c8y_A: { z: null },
      c8y_C: [1],
      c8y_D: 0.30000000000000004,
      'we.ird "key': true,
    });
    expect("c8y_B" in after).toBe(false);
  });

  it("fragments cannot grow past MAX_JSON_SIZE through repeated PUTs (413, unchanged)", async () => {
    const mo = await upload(admin, "grow.bin", "g");
    const chunk = "x".repeat(40_000);
    expect(
      (
        await call(`/inventory/managedObjects/${mo.id}`, {
          method: "PUT",
          body: JSON.stringify({ c8y_One: chunk }),
          headers: { Authorization: admin, "Content-Type": "application/json" },
        })
      ).status,
    ).toBe(200);
    const res = await call(`/inventory/managedObjects/${mo.id}`, {
      method: "PUT",
      body: JSON.stringify({ c8y_Two: chunk }),
      headers: { Authorization: admin, "Content-Type": "application/json" },
    });
    expect(res.status).toBe(413);
    const after = await (
      await call(`/inventory/managedObjects/${mo.id}`, { headers: { Authorization: admin } })
    ).json<any>();
    expect(after.c8y_Two).toBeUndefined();
    expect(after.c8y_One).toBe(chunk);
  });
});
