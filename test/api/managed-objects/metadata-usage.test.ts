import { beforeAll, describe, expect, it } from "vitest";
import { findUsageDrift, readUsage } from "../../../src/db/usage";
import { call, createTenantWithQuota, multipartBody, seedUser, shardDb, shardOf, upload } from "../../helpers";

/**
 * Managed-object metadata counts in a tenant's usage (issue 20, docs/api.md#usage-and-quotas): each
 * binary's name, type and fragments (UTF-8 bytes as stored) are `metadataBytes`, part of
 * `storageSize` and of what the quota limits. Before, 64 KiB of fragments per zero-byte binary could
 * pile up under any quota (1.2 MB under a 10-byte one).
 */

let platformAdmin: string;
beforeAll(async () => {
  platformAdmin = await seedUser("management", "admin");
});

const createTenant = (id: string, storageQuota: number | null) =>
  createTenantWithQuota(platformAdmin, id, storageQuota);

const bytes = (text: string) => new TextEncoder().encode(text).length;
const big = (n: number) => ({ c8y_Notes: "é".repeat(n) }); // 2 bytes a character

async function rows(tenant: string): Promise<number> {
  const row = await (await shardOf(tenant)).d1
    .prepare("SELECT COUNT(*) AS n FROM binaries WHERE tenant = ?")
    .bind(tenant)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

function putFragments(auth: string, id: string, fragments: Record<string, unknown>) {
  return call(`/inventory/managedObjects/${id}`, {
    method: "PUT",
    headers: { Authorization: auth, "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(fragments),
  });
}

describe("metadata in usage and quotas", () => {
  it("counts name, type and fragments in metadataBytes and storageSize", async () => {
    const admin = await createTenant("meta-count", null);
    await upload(admin, "ünï.bin", "12345", big(10), "c8y_Firmware");
    const expected = bytes("ünï.bin") + bytes("c8y_Firmware") + bytes(JSON.stringify(big(10)));
    const res = await call("/tenant/statistics/summary", { headers: { Authorization: admin } });
    const summary = (await res.json()) as { storageSize: number; c8y_BinaryStorage: Record<string, number> };
    expect(summary.c8y_BinaryStorage.metadataBytes).toBe(expected);
    expect(summary.c8y_BinaryStorage.storedBytes).toBe(5);
    expect(summary.storageSize).toBe(5 + expected);
    expect(summary.c8y_BinaryStorage.usedBytes).toBe(5 + expected);
  });

  it("zero-byte binaries with large fragments cannot pile up under a small quota: 413, nothing stored", async () => {
    const admin = await createTenant("meta-pile", 10);
    const { body, contentType } = multipartBody([
      { name: "object", value: JSON.stringify({ name: "e.bin", type: "t", ...big(30_000) }) },
      { name: "file", value: new Uint8Array(0), filename: "e.bin" },
    ]);
    const res = await call("/inventory/binaries", {
      method: "POST",
      body,
      headers: { Authorization: admin, "Content-Type": contentType },
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toBe("inventory/Storage Quota Exceeded");
    expect(await rows("meta-pile")).toBe(0);
    const { bucket } = await shardOf("meta-pile");
    expect((await bucket.list({ prefix: "meta-pile/" })).objects).toEqual([]);
    expect(await readUsage(await shardDb("meta-pile"), "meta-pile")).toMatchObject({ metadataBytes: 0, binaries: 0 });
  });

  it("a fragment update that grows past the quota is 413 and changes nothing; shrinking always works", async () => {
    const admin = await createTenant("meta-put", 1000);
    const mo = await upload(admin, "m.bin", "x".repeat(100));
    const grown = await putFragments(admin, mo.id, big(1000));
    expect(grown.status).toBe(413);
    expect(((await grown.json()) as { details: Record<string, number> }).details).toMatchObject({
      storageQuota: 1000,
      requested: bytes(JSON.stringify(big(1000))) - bytes("{}"),
    });
    const unchanged = await call(`/inventory/managedObjects/${mo.id}`, { headers: { Authorization: admin } });
    expect((await unchanged.json()) as Record<string, unknown>).not.toHaveProperty("c8y_Notes");
    expect((await putFragments(admin, mo.id, big(300))).status).toBe(200);
    // The quota lowered below the usage: growing is refused, shrinking (removing the fragment) works.
    await call("/tenant/tenants/meta-put", {
      method: "PUT",
      headers: { Authorization: platformAdmin, "Content-Type": "application/json" },
      body: '{"storageQuota":10}',
    });
    expect((await putFragments(admin, mo.id, { c8y_More: 1 })).status).toBe(413);
    expect((await putFragments(admin, mo.id, { c8y_Notes: null })).status).toBe(200);
    expect(await findUsageDrift(await shardDb("meta-put"), "meta-put")).toEqual([]);
  });

  it("stays exact through concurrent uploads, fragment updates, renames and deletes (no drift)", async () => {
    const admin = await createTenant("meta-conc", null);
    const created = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        upload(admin, `c${i}.bin`, "abc".repeat(i + 1), { [`f${i}`]: "v".repeat(i * 50) }),
      ),
    );
    await Promise.all([
      ...created.map((mo, i) => putFragments(admin, mo.id, { [`g${i}`]: "ü".repeat(i * 30), f0: null })),
      ...created.slice(0, 3).map((mo, i) => putFragments(admin, mo.id, { name: `renamed-${"ä".repeat(i)}.bin` })),
      ...created.slice(3, 5).map((mo, i) => putFragments(admin, mo.id, { type: `type-${i}`, h: { deep: [1, 2, 3] } })),
      call(`/inventory/binaries/${created[5]!.id}`, { method: "DELETE", headers: { Authorization: admin } }),
      putFragments(admin, created[5]!.id, { late: "x".repeat(500) }),
      ...Array.from({ length: 3 }, (_, i) => upload(admin, `d${i}.bin`, "d", big(i * 100))),
    ]);
    const db = await shardDb("meta-conc");
    expect(await findUsageDrift(db, "meta-conc")).toEqual([]);
    const usage = await readUsage(db, "meta-conc");
    const recount = await (await shardOf("meta-conc")).d1
      .prepare(
        "SELECT SUM(length(CAST(name AS BLOB)) + length(CAST(type AS BLOB)) + length(CAST(fragments AS BLOB))) AS m " +
          "FROM binaries WHERE tenant = ?",
      )
      .bind("meta-conc")
      .first<{ m: number }>();
    expect(usage.metadataBytes).toBe(recount?.m);
    expect(usage.metadataBytes).toBeGreaterThan(0);
  });
});
