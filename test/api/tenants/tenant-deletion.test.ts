import { introspectWorkflow } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createDb } from "../../../src/db/client";
import { trackMultipart } from "../../../src/db/r2-multiparts";
import { readTopology } from "../../../src/shards/topology";
import { deleteBytes, releaseUploads, type TenantDeletion } from "../../../src/tenants/deletion";
import {
  basic,
  call,
  countEverywhere,
  randomBytes,
  seedUser,
  shardOf,
  stillOpen,
  TUS,
  tusPatch,
  upload,
} from "../../helpers";

/**
 * What DELETE /tenant/tenants/{id} leaves is removed by a Workflow (issue 19): the deleted tenant's
 * open uploads (their R2 multipart uploads aborted, tails deleted), tracked multipart uploads, bytes
 * and remaining rows. Each step may run again; a new tenant of the id waits for the job; the job never
 * touches a tenant that took the id meanwhile.
 */

let platformAdmin: string;
beforeAll(async () => {
  platformAdmin = await seedUser("management", "root");
});
afterEach(() => {
  vi.restoreAllMocks();
});

const admin = (method: string, path: string, body?: unknown) =>
  call(path, {
    method,
    headers: { Authorization: platformAdmin, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** Every row naming `tenant` in any shard, over the tables a tenant owns. */
async function rowsEverywhere(tenant: string): Promise<number> {
  let n = 0;
  for (const table of ["users", "binaries", "uploads", "sessions", "tenant_usage"]) {
    n += await countEverywhere(`SELECT COUNT(*) AS n FROM ${table} WHERE tenant = ?`, tenant);
  }
  n += await countEverywhere("SELECT COUNT(*) AS n FROM tenants WHERE id = ?", tenant);
  n += await countEverywhere("SELECT COUNT(*) AS n FROM multipart_uploads WHERE key LIKE ?", `${tenant}/%`);
  n += await countEverywhere("SELECT COUNT(*) AS n FROM login_failures WHERE login LIKE ?", `${tenant}/%`);
  return n;
}

/**
 * A tenant with two binaries, an open resumable upload holding an R2 multipart upload and a tail, a
 * completed upload, a tracked multipart upload of a body (as a crashed request leaves it) and a failed login.
 */
async function busyTenant(tenant: string) {
  const auth = await seedUser(tenant, "admin");
  await upload(auth, "a.bin", randomBytes(900, 1));
  await upload(auth, "b.bin", randomBytes(800, 2));
  const create = (length: number) =>
    call("/inventory/binaries/uploads", {
      method: "POST",
      headers: {
        Authorization: auth,
        ...TUS,
        "Upload-Length": String(length),
        "Upload-Metadata": `filename ${btoa("u.bin")}`,
      },
    });
  const open = await create(12 * 1024 * 1024);
  const openPath = new URL(open.headers.get("Location")!).pathname;
  // A full part and then some: a multipart upload with one part, and a tail object for the rest.
  const first = 5 * 1024 * 1024 + 1000;
  expect((await tusPatch(openPath, auth, randomBytes(first, 3), first)).status).toBe(204);
  const done = await create(10);
  const donePath = new URL(done.headers.get("Location")!).pathname;
  expect((await tusPatch(donePath, auth, "0123456789", 10)).status).toBe(204);
  const shard = await shardOf(tenant);
  const row = await shard.d1
    .prepare(
      `SELECT r2_key AS key, multipart_id AS uploadId, tail_key AS tail FROM uploads
       WHERE completed_ms IS NULL AND tenant = ?`,
    )
    .bind(tenant)
    .first<{ key: string; uploadId: string; tail: string }>();
  expect(row?.uploadId && row.tail).toBeTruthy();
  const bodyKey = `${tenant}/crashed-body`;
  const body = await shard.bucket.createMultipartUpload(bodyKey);
  await trackMultipart(createDb(shard.d1), { key: bodyKey, uploadId: body.uploadId, purpose: "binary" });
  expect(
    (await call("/inventory/binaries", { headers: { Authorization: basic(`${tenant}/admin`, "wrong-pass") } })).status,
  ).toBe(401);
  expect(await rowsEverywhere(tenant)).toBeGreaterThan(0);
  return { shard, open: row!, body: { key: bodyKey, uploadId: body.uploadId } };
}

describe("deleting a tenant", () => {
  it("a Workflow removes its open uploads' multipart uploads and tails, its bytes and every row", async () => {
    const t = await busyTenant("del-all");
    await using introspector = await introspectWorkflow(env.DELETE_TENANT);
    await introspector.modifyAll(async (m) => {
      await m.disableRetryDelays();
      // A crash in the middle of the uploads: the step fails twice, the engine runs it again.
      await m.mockStepError({ name: "uploads 1" }, new Error("killed"), 2);
    });
    expect((await admin("DELETE", "/tenant/tenants/del-all")).status).toBe(204);
    const [instance] = await introspector.get();
    await instance!.waitForStatus("complete");
    expect(await instance!.getOutput()).toMatchObject({ uploads: 2 });
    expect(await rowsEverywhere("del-all")).toBe(0);
    expect((await t.shard.bucket.list({ prefix: "del-all/" })).objects).toHaveLength(0);
    expect(await t.shard.bucket.head(t.open.tail)).toBeNull();
    expect(await stillOpen(t.shard.bucket, t.open.key, t.open.uploadId)).toBe(false);
    expect(await stillOpen(t.shard.bucket, t.body.key, t.body.uploadId)).toBe(false);
  });

  it("killed inside a step and run again, nothing stays open and nothing is removed twice", async () => {
    const t = await busyTenant("del-kill");
    await using introspector = await introspectWorkflow(env.DELETE_TENANT);
    await introspector.modifyAll(async (m) => {
      await m.mockStepError({ name: "rows" }, new Error("not now")); // the job itself stays out of the way
      await m.disableRetryDelays();
    });
    expect((await admin("DELETE", "/tenant/tenants/del-kill")).status).toBe(204);
    const [instance] = await introspector.get();
    await instance!.waitForStatus("errored");
    const tombstone = await env.DB.prepare(
      "SELECT deleted_at_ms AS at FROM deleted_tenants WHERE id = 'del-kill'",
    ).first<{
      at: number;
    }>();
    const job: TenantDeletion = { tenant: "del-kill", shard: t.shard.no, region: "us", deletedAtMs: tombstone!.at };
    // The step dies after aborting the open upload's multipart upload, before its row goes.
    const topology = readTopology(env);
    const d1 = topology.shard(t.shard.no)!.d1;
    const prepare = d1.prepare.bind(d1);
    let killed = false;
    vi.spyOn(d1, "prepare").mockImplementation((query: string) => {
      if (!killed && query.startsWith('DELETE FROM "uploads"')) {
        killed = true;
        throw new Error("killed");
      }
      return prepare(query);
    });
    await expect(releaseUploads(topology, job)).rejects.toThrow("killed");
    vi.restoreAllMocks();
    expect(await stillOpen(t.shard.bucket, t.open.key, t.open.uploadId)).toBe(false);
    expect(
      await countEverywhere("SELECT COUNT(*) AS n FROM uploads WHERE tenant = 'del-kill' AND completed_ms IS NULL"),
    ).toBe(1);
    // The re-run: the aborted upload is aborted again (a no-op) and forgotten, the rest released.
    expect(await releaseUploads(topology, job)).toBe(2);
    expect(await releaseUploads(topology, job)).toBe(0);
    expect(await stillOpen(t.shard.bucket, t.body.key, t.body.uploadId)).toBe(false);
    expect(await t.shard.bucket.head(t.open.tail)).toBeNull();
    expect(
      await countEverywhere("SELECT COUNT(*) AS n FROM uploads WHERE tenant = 'del-kill' AND completed_ms IS NULL"),
    ).toBe(0);
  });

  it("a new tenant of the id waits for the job; the job never touches a tenant that took the id", async () => {
    // Nothing that outlives the request's own work (its bytes go with the 204): only the running job holds the id.
    await upload(await seedUser("del-reuse", "admin"), "r.bin", "r");
    await using introspector = await introspectWorkflow(env.DELETE_TENANT);
    await introspector.modifyAll(async (m) => {
      // Held in its first step's retry delay (5 s): the job is still running.
      await m.mockStepError({ name: "rows" }, new Error("slow"), 1);
    });
    expect((await admin("DELETE", "/tenant/tenants/del-reuse")).status).toBe(204);
    const now = Date.now();
    vi.spyOn(Date, "now").mockReturnValue(now + 3 * 60_000); // past the id's rest (2 minutes)
    const again = {
      id: "del-reuse",
      company: "C",
      domain: "d.example",
      adminName: "boss",
      adminPass: "boss-password-1",
    };
    const refused = await admin("POST", "/tenant/tenants", again);
    expect(refused.status).toBe(409);
    expect(await refused.text()).toMatch(/still being removed/);
    vi.restoreAllMocks();
    const [instance] = await introspector.get();
    await instance!.waitForStatus("complete");
    // A deletion whose tombstone is not the id's latest (the id was taken and deleted again since) does nothing.
    const boss = await seedUser("del-other", "boss");
    const kept = await upload(boss, "kept.bin", "kept");
    const shard = await shardOf("del-other");
    const stale: TenantDeletion = { tenant: "del-other", shard: shard.no, region: "us", deletedAtMs: 1 };
    expect(await deleteBytes(readTopology(env), stale)).toBe(0);
    expect(await (await call(`/inventory/binaries/${kept.id}`, { headers: { Authorization: boss } })).text()).toBe(
      "kept",
    );
  });

  it("is refused (409) while the tenant is being moved", async () => {
    await seedUser("del-moving", "admin");
    await env.DB.prepare("UPDATE tenant_directory SET state = 'moving' WHERE id = 'del-moving'").run();
    const res = await admin("DELETE", "/tenant/tenants/del-moving");
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: "tenant/Conflict" });
    expect(await rowsEverywhere("del-moving")).toBeGreaterThan(0);
    await env.DB.prepare("UPDATE tenant_directory SET state = 'active' WHERE id = 'del-moving'").run();
  });
});
