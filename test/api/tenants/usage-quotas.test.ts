import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { Roles } from "../../../src/c8y/roles";
import { createDb } from "../../../src/db/client";
import { findUsageDrift, readUsage } from "../../../src/db/usage";
import worker from "../../../src/index";
import { sweepResumables } from "../../../src/resumable/service";
import { proxyD1 } from "../../bindings-proxy";
import {
  BASE,
  basic,
  call,
  chunkedStream,
  multipartBody,
  postTenant,
  randomBytes,
  seedUser,
  shardDb,
  shardOf,
  TUS,
  TUS_OCTETS,
  tenantAdmin,
  topology,
  upload,
} from "../../helpers";

/**
 * Usage and quotas (issue 20 items 1-2, docs/api.md#usage-and-quotas): usage kept exact by the writes
 * themselves (the drift check finds nothing after concurrent and failed writes), the platform's summary,
 * and quotas refusing writes with nothing left behind. Long because: usage, summary and quota cases share
 * one set of tenants and helpers; since issue 19 each direct row check names the tenant's shard.
 */

let platformAdmin: string;
beforeAll(async () => {
  platformAdmin = await seedUser("management", "admin");
});

async function json<T = Record<string, any>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** Creates a tenant through the API (as the platform would); resolves its admin's Authorization. */
async function createTenant(id: string, storageQuota?: number | null): Promise<string> {
  const res = await postTenant(platformAdmin, id, storageQuota === undefined ? {} : { storageQuota });
  expect(res.status).toBe(201);
  expect((await json(res)).storageQuota).toBe(storageQuota ?? null);
  return tenantAdmin(id);
}

async function objectsOf(tenant: string): Promise<number> {
  return (await env.BUCKET.list({ prefix: `${tenant}/` })).objects.length;
}

async function rowsOf(tenant: string): Promise<number> {
  const row = await (await shardOf(tenant)).d1
    .prepare("SELECT COUNT(*) AS n FROM binaries WHERE tenant = ?")
    .bind(tenant)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

async function summary(auth: string, tenant?: string): Promise<Response> {
  return call(`/tenant/statistics/summary${tenant ? `?tenant=${tenant}` : ""}`, { headers: { Authorization: auth } });
}

function put(auth: string, id: string, bytes: Uint8Array | ReadableStream<Uint8Array>, length?: number) {
  return call(`/inventory/binaries/${id}`, {
    method: "PUT",
    body: bytes,
    headers: {
      Authorization: auth,
      "Content-Type": "application/octet-stream",
      ...(length === undefined ? {} : { "Content-Length": String(length) }),
    },
  });
}

const b64 = (text: string) => btoa(text);

describe("usage", () => {
  it("stays exact through concurrent uploads, replaces and deletes (the drift check finds nothing)", async () => {
    const admin = await createTenant("use-conc");
    const first = await Promise.all(
      Array.from({ length: 8 }, (_, i) => upload(admin, `f${i}.bin`, randomBytes(1000 + i * 100, i))),
    );
    await Promise.all([
      ...first.slice(0, 3).map((mo, i) => put(admin, mo.id, randomBytes(5000 + i, 50 + i))),
      ...first
        .slice(3, 5)
        .map((mo) => call(`/inventory/binaries/${mo.id}`, { method: "DELETE", headers: { Authorization: admin } })),
      // Two replaces of one binary racing (last writer wins), and a delete racing a replace.
      put(admin, first[5]!.id, randomBytes(7000, 70)),
      put(admin, first[5]!.id, randomBytes(9000, 71)),
      put(admin, first[6]!.id, randomBytes(3000, 72)),
      call(`/inventory/binaries/${first[6]!.id}`, { method: "DELETE", headers: { Authorization: admin } }),
      ...Array.from({ length: 4 }, (_, i) => upload(admin, `g${i}.bin`, randomBytes(2000, 90 + i))),
    ]);
    expect(await findUsageDrift(await shardDb("use-conc"), "use-conc")).toEqual([]);
    const rows = await (await shardOf("use-conc")).d1
      .prepare(
        "SELECT COUNT(*) AS n, SUM(length) AS bytes, SUM(length(CAST(name AS BLOB)) + length(CAST(type AS BLOB)) " +
          "+ length(CAST(fragments AS BLOB))) AS meta FROM binaries WHERE tenant = ?",
      )
      .bind("use-conc")
      .first<{ n: number; bytes: number; meta: number }>();
    const res = await summary(admin);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/tenantusagestatisticssummary\+json/);
    const body = await json(res);
    // storageSize: the files and their metadata (name, type, fragments), as the platform's counts its database.
    expect(body.storageSize).toBe(rows!.bytes + rows!.meta);
    expect(body.c8y_BinaryStorage).toMatchObject({
      storedBytes: rows!.bytes,
      metadataBytes: rows!.meta,
      binaries: rows!.n,
      storageQuota: null,
    });
  });

  it("a crash between the bytes and the row (the D1 batch fails) leaves usage as it was", async () => {
    const admin = await createTenant("use-d1fail");
    await upload(admin, "keep.bin", randomBytes(999, 1));
    const before = await readUsage(await shardDb("use-d1fail"), "use-d1fail");
    // The upload's only batch is the one that takes an id and inserts the row (a warm login reads nothing).
    // The tenant's shard (issue 19) is the database that fails.
    const binding = topology().shard((await shardOf("use-d1fail")).no)!.binding as "DB";
    const failing = proxyD1(env[binding], (call) => {
      if (call.kind === "d1" && call.statements.length >= 2) throw new Error("D1_ERROR: the database went away");
    });
    const { body, contentType } = multipartBody([
      { name: "object", value: JSON.stringify({ name: "lost.bin", type: "c8y_Firmware" }) },
      { name: "file", value: randomBytes(5000, 2), filename: "lost.bin" },
    ]);
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request(`${BASE}/inventory/binaries`, {
        method: "POST",
        body,
        headers: { Authorization: admin, "Content-Type": contentType },
      }),
      { ...env, [binding]: failing } as Env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(500);
    expect(await readUsage(await shardDb("use-d1fail"), "use-d1fail")).toEqual(before);
    expect(await objectsOf("use-d1fail")).toBe(1);
    expect(await findUsageDrift(await shardDb("use-d1fail"), "use-d1fail")).toEqual([]);
  });

  it("upload expiry (the sweep) gives an abandoned upload's bytes and reservation back", async () => {
    const admin = await createTenant("use-expiry");
    const created = await call("/inventory/binaries/uploads", {
      method: "POST",
      headers: { Authorization: admin, ...TUS, "Upload-Length": "5000", "Upload-Metadata": `filename ${b64("e.bin")}` },
    });
    expect(created.status).toBe(201);
    expect(await readUsage(await shardDb("use-expiry"), "use-expiry")).toMatchObject({
      uploads: 1,
      uploadReservedBytes: 5000,
    });
    const report = await sweepResumables(await shardDb("use-expiry"), env.BUCKET, Date.now() + 2 * 86_400_000, 0);
    expect(report.expired).toBeGreaterThanOrEqual(1);
    expect(await readUsage(await shardDb("use-expiry"), "use-expiry")).toMatchObject({
      uploads: 0,
      uploadReservedBytes: 0,
    });
    expect(await findUsageDrift(await shardDb("use-expiry"), "use-expiry")).toEqual([]);
  });

  it("a failed write (the client goes away mid-body) changes nothing", async () => {
    const admin = await createTenant("use-crash");
    await upload(admin, "keep.bin", randomBytes(1234, 1));
    const before = await readUsage(await shardDb("use-crash"), "use-crash");
    // A body that breaks off mid-file: the bytes never become a row.
    const { body, contentType } = multipartBody([
      { name: "object", value: JSON.stringify({ name: "broken.bin", type: "c8y_Firmware" }) },
      { name: "file", value: randomBytes(200_000, 2), filename: "broken.bin" },
    ]);
    let sent = 0;
    const breaking = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > 100_000) return controller.error(new Error("Network connection lost."));
        controller.enqueue(body.slice(sent, sent + 50_000));
        sent += 50_000;
      },
    });
    const res = await call("/inventory/binaries", {
      method: "POST",
      body: breaking,
      headers: { Authorization: admin, "Content-Type": contentType },
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(await readUsage(await shardDb("use-crash"), "use-crash")).toEqual(before);
    expect(await findUsageDrift(await shardDb("use-crash"), "use-crash")).toEqual([]);
  });

  it("counts unfinished resumable uploads' bytes and reservations; cancelling gives them back", async () => {
    const admin = await createTenant("use-tus");
    const created = await call("/inventory/binaries/uploads", {
      method: "POST",
      headers: {
        Authorization: admin,
        ...TUS,
        "Upload-Length": "10000",
        "Upload-Metadata": `filename ${b64("r.bin")}`,
      },
    });
    expect(created.status).toBe(201);
    const path = new URL(created.headers.get("Location")!).pathname;
    const patched = await call(path, {
      method: "PATCH",
      headers: { Authorization: admin, ...TUS, "Content-Type": TUS_OCTETS, "Upload-Offset": "0" },
      body: randomBytes(4000, 3),
    });
    expect(patched.status).toBe(204);
    const storage = (await json(await summary(admin))).c8y_BinaryStorage;
    expect(storage).toMatchObject({ uploads: 1, uploadBytes: 4000, uploadReservedBytes: 10000, usedBytes: 10000 });
    expect(await findUsageDrift(await shardDb("use-tus"), "use-tus")).toEqual([]);
    const cancelled = await call(path, { method: "DELETE", headers: { Authorization: admin, ...TUS } });
    expect(cancelled.status).toBe(204);
    expect(await readUsage(await shardDb("use-tus"), "use-tus")).toMatchObject({
      uploads: 0,
      uploadReceivedBytes: 0,
      uploadReservedBytes: 0,
    });
  });

  it("deleting a tenant removes its usage; the drift check finds nothing anywhere", async () => {
    const admin = await createTenant("use-gone");
    await upload(admin, "x.bin", "bytes");
    const shard = await shardDb("use-gone");
    const res = await call("/tenant/tenants/use-gone", { method: "DELETE", headers: { Authorization: platformAdmin } });
    expect(res.status).toBe(204);
    expect(await readUsage(shard, "use-gone")).toMatchObject({
      storedBytes: 0,
      binaries: 0,
      storageQuota: null,
    });
    for (const shard of topology().shards) expect(await findUsageDrift(createDb(shard.d1))).toEqual([]);
  });

  it("the usage check (GET /tenant/statistics/usageCheck) reports drift, and only to platform admins", async () => {
    const admin = await createTenant("use-drift");
    await upload(admin, "x.bin", randomBytes(100, 3));
    const check = () =>
      call("/tenant/statistics/usageCheck?tenant=use-drift", { headers: { Authorization: platformAdmin } });
    expect(await json(await check())).toEqual({ drift: [] });
    // Usage changed behind the triggers' back (a hand-made fix in the database): the check shows it.
    await (await shardOf("use-drift")).d1
      .prepare("UPDATE tenant_usage SET stored_bytes = stored_bytes + 7 WHERE tenant = 'use-drift'")
      .run();
    const { drift } = await json<{
      drift: { tenant: string; kept: { storedBytes: number }; actual: { storedBytes: number } }[];
    }>(await check());
    expect(drift).toEqual([
      expect.objectContaining({ tenant: "use-drift", kept: expect.objectContaining({ storedBytes: 107 }) }),
    ]);
    expect(drift[0]!.actual.storedBytes).toBe(100);
    expect((await call("/tenant/statistics/usageCheck", { headers: { Authorization: admin } })).status).toBe(403);
    await (await shardOf("use-drift")).d1
      .prepare("UPDATE tenant_usage SET stored_bytes = stored_bytes - 7 WHERE tenant = 'use-drift'")
      .run();
  });
});

describe("statistics summary", () => {
  it("per tenant for the platform, own tenant only for others; allTenantsSummary for platform readers", async () => {
    const admin = await createTenant("stat-a");
    await createTenant("stat-b");
    await upload(admin, "a.bin", randomBytes(321, 4));
    const asPlatform = await json(await summary(platformAdmin, "stat-a"));
    // 321 bytes and 15 of metadata: "a.bin", "c8y_test", "{}".
    expect(asPlatform.storageSize).toBe(321 + 15);
    expect((await summary(admin, "stat-b")).status).toBe(403);
    expect((await summary(platformAdmin, "no-such-tenant")).status).toBe(404);
    const all = await call("/tenant/statistics/allTenantsSummary?pageSize=2000", {
      headers: { Authorization: platformAdmin },
    });
    const list = await json<{ tenantId: string; storageSize: number }[]>(all);
    expect(list.find((t) => t.tenantId === "stat-a")?.storageSize).toBe(321 + 15);
    expect(list.find((t) => t.tenantId === "stat-b")?.storageSize).toBe(0);
    expect((await call("/tenant/statistics/allTenantsSummary", { headers: { Authorization: admin } })).status).toBe(
      403,
    );
    const nobody = await seedUser("stat-a", "nobody", [Roles.userManagementOwnRead]);
    expect((await summary(nobody)).status).toBe(403);
  });
});

describe("quotas", () => {
  it("storageQuota is set by POST and PUT /tenant/tenants/{id}, returned by GET; bad values are 422", async () => {
    await createTenant("quota-set", 5000);
    const headers = { Authorization: platformAdmin, "Content-Type": "application/json", Accept: "application/json" };
    expect((await json(await call("/tenant/tenants/quota-set", { headers }))).storageQuota).toBe(5000);
    const changed = await call("/tenant/tenants/quota-set", {
      method: "PUT",
      headers,
      body: JSON.stringify({ storageQuota: 8000, company: "Renamed" }),
    });
    expect(changed.status).toBe(200);
    expect(await json(changed)).toMatchObject({ storageQuota: 8000, company: "Renamed", id: "quota-set" });
    const cleared = await call("/tenant/tenants/quota-set", { method: "PUT", headers, body: '{"storageQuota":null}' });
    expect((await json(cleared)).storageQuota).toBeNull();
    for (const bad of ["-1", "1.5", '"1000"', "true"]) {
      const res = await call("/tenant/tenants/quota-set", { method: "PUT", headers, body: `{"storageQuota":${bad}}` });
      expect(res.status).toBe(422);
    }
    expect((await call("/tenant/tenants/nope", { method: "PUT", headers, body: "{}" })).status).toBe(404);
    const tenantAdmin = basic("quota-set/admin", "admin-password-1");
    const notPlatform = await call("/tenant/tenants/quota-set", {
      method: "PUT",
      headers: { ...headers, Authorization: tenantAdmin },
      body: '{"storageQuota":null}',
    });
    expect(notPlatform.status).toBe(403);
  });

  it("unknown size over the quota: stopped with nothing committed (no row, no object, no part)", async () => {
    const admin = await createTenant("quota-chunked", 10_000);
    await upload(admin, "a.bin", randomBytes(6000, 5));
    const { body, contentType } = multipartBody([
      { name: "object", value: JSON.stringify({ name: "big.bin", type: "c8y_Firmware" }) },
      { name: "file", value: randomBytes(5000, 6), filename: "big.bin" },
    ]);
    const res = await call("/inventory/binaries", {
      method: "POST",
      body: chunkedStream(body),
      headers: { Authorization: admin, "Content-Type": contentType },
    });
    expect(res.status).toBe(413);
    const error = await json(res);
    expect(error.error).toBe("inventory/Storage Quota Exceeded");
    // Used: 6000 bytes and 15 of metadata ("a.bin", "c8y_test", "{}").
    expect(error.message).toMatch(/10000 bytes.*6015 bytes/);
    expect(error.details).toMatchObject({ storageQuota: 10_000, storageUsed: 6015, requested: 5000 });
    expect(await rowsOf("quota-chunked")).toBe(1);
    expect(await objectsOf("quota-chunked")).toBe(1);
    const tracked = await (await shardOf("quota-chunked")).d1
      .prepare("SELECT COUNT(*) AS n FROM multipart_uploads WHERE key LIKE 'quota-chunked/%'")
      .first<{ n: number }>();
    expect(tracked?.n).toBe(0);
    // What fits still goes in.
    expect((await upload(admin, "fits.bin", randomBytes(3900, 7))).id).toBeTruthy();
    expect(await findUsageDrift(await shardDb("quota-chunked"), "quota-chunked")).toEqual([]);
  });

  it("a replace counts the difference, refused with nothing stored whether its length is known or not", async () => {
    const admin = await createTenant("quota-put", 10_000);
    const mo = await upload(admin, "a.bin", randomBytes(6000, 8));
    // Used counts the metadata too: 15 bytes ("a.bin", "c8y_test", "{}").
    expect((await put(admin, mo.id, randomBytes(9000, 9), 9000)).status).toBe(201); // +3000: 9015 of 10000
    expect((await put(admin, mo.id, randomBytes(9500, 10), 9500)).status).toBe(201); // +500
    const over = await put(admin, mo.id, randomBytes(10_001, 11), 10_001);
    expect(over.status).toBe(413);
    expect(await objectsOf("quota-put")).toBe(1);
    // Without a length (chunked): refused once its bytes are held, before they are stored.
    const chunked = await put(admin, mo.id, chunkedStream(randomBytes(20_000, 12)));
    expect(chunked.status).toBe(413);
    expect((await json(chunked)).details).toMatchObject({ storageQuota: 10_000, storageUsed: 9515, requested: 10_500 });
    expect(await objectsOf("quota-put")).toBe(1);
    // Shrinking always works, even over a lowered quota.
    await call("/tenant/tenants/quota-put", {
      method: "PUT",
      headers: { Authorization: platformAdmin, "Content-Type": "application/json" },
      body: '{"storageQuota":100}',
    });
    expect((await put(admin, mo.id, randomBytes(50, 13), 50)).status).toBe(201);
    const row = await (await shardOf("quota-put")).d1
      .prepare("SELECT length FROM binaries WHERE id = ?")
      .bind(Number(mo.id))
      .first<{ length: number }>();
    expect(row?.length).toBe(50);
    expect(await findUsageDrift(await shardDb("quota-put"), "quota-put")).toEqual([]);
  });

  it("resumable uploads reserve their declared length at creation and grow within the quota", async () => {
    const admin = await createTenant("quota-tus", 10_000);
    const create = (headers: Record<string, string>) =>
      call("/inventory/binaries/uploads", {
        method: "POST",
        headers: { Authorization: admin, ...TUS, "Upload-Metadata": `filename ${b64("t.bin")}`, ...headers },
      });
    const tooBig = await create({ "Upload-Length": "10001" });
    expect(tooBig.status).toBe(413);
    expect((await json(tooBig)).error).toBe("inventory/Storage Quota Exceeded");
    const reserved = await create({ "Upload-Length": "8000" });
    expect(reserved.status).toBe(201);
    // The reservation counts: a POST that would fit the bytes stored but not the reservation is refused.
    const { body, contentType } = multipartBody([
      { name: "object", value: JSON.stringify({ name: "p.bin", type: "c8y_Firmware" }) },
      { name: "file", value: randomBytes(3000, 14), filename: "p.bin" },
    ]);
    const post = await call("/inventory/binaries", {
      method: "POST",
      body: chunkedStream(body),
      headers: { Authorization: admin, "Content-Type": contentType },
    });
    expect(post.status).toBe(413);
    // A deferred-length upload grows with what it receives: past the quota an append is refused, offset unchanged.
    const deferred = await create({ "Upload-Defer-Length": "1" });
    expect(deferred.status).toBe(201);
    const path = new URL(deferred.headers.get("Location")!).pathname;
    const append = await call(path, {
      method: "PATCH",
      headers: { Authorization: admin, ...TUS, "Content-Type": TUS_OCTETS, "Upload-Offset": "0" },
      body: randomBytes(3000, 15),
    });
    expect(append.status).toBe(413);
    const head = await call(path, { method: "HEAD", headers: { Authorization: admin, ...TUS } });
    expect(head.headers.get("Upload-Offset")).toBe("0");
    expect(await findUsageDrift(await shardDb("quota-tus"), "quota-tus")).toEqual([]);
  });
});
