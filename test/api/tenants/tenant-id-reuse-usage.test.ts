import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../../src/db/client";
import { findUsageDrift, readUsage } from "../../../src/db/usage";
import { sweepResumables } from "../../../src/resumable/service";
import {
  call,
  multipartBody,
  postTenant,
  randomBytes,
  seedUser,
  shardDb,
  shardOf,
  TUS,
  TUS_OCTETS,
  tenantAdmin,
  upload,
} from "../../helpers";

/**
 * A tenant deleted with an open resumable upload, then created again under the same id (an attack found on
 * 2026-12-06, /work/notes/prov-redteam.md): the old upload's row stayed in the shard, and when the sweep
 * removed it, its usage triggers subtracted its reservation from the NEW tenant's usage (-5,000 bytes:
 * 5,000 bytes above the quota, and drift). Now the delete expires such uploads at once and the id is not free
 * until the sweep has removed them (docs/api.md#tenants-users-roles: not reused while anything of it remains).
 */

let root: string;
beforeAll(async () => {
  root = await seedUser("management", "root");
});

// Region eu (one shard in the tests): the new tenant lands where the old one was.
const createTenant = (id: string, storageQuota?: number) =>
  postTenant(root, id, { region: "eu", ...(storageQuota === undefined ? {} : { storageQuota }) });

describe("a tenant id used again after its tenant was deleted with an open resumable upload", () => {
  it("waits for the sweep; the new tenant's usage is exact and its quota holds", async () => {
    const id = "reborn-usage";
    expect((await createTenant(id)).status).toBe(201);
    const old = tenantAdmin(id);
    const created = await call("/inventory/binaries/uploads", {
      method: "POST",
      headers: { Authorization: old, ...TUS, "Upload-Length": "5000", "Upload-Metadata": `filename ${btoa("e.bin")}` },
    });
    expect(created.status).toBe(201);
    const path = new URL(created.headers.get("Location")!).pathname;
    const patched = await call(path, {
      method: "PATCH",
      headers: { Authorization: old, ...TUS, "Content-Type": TUS_OCTETS, "Upload-Offset": "0" },
      body: randomBytes(1000, 1),
    });
    expect(patched.status).toBe(204);
    const { d1, bucket } = await shardOf(id);
    expect((await call(`/tenant/tenants/${id}`, { method: "DELETE", headers: { Authorization: root } })).status).toBe(
      204,
    );
    // Past the rest after the delete (TENANT_ID_REST_MS), as if minutes had gone by.
    await env.DB.prepare("UPDATE deleted_tenants SET deleted_at_ms = deleted_at_ms - 600000 WHERE id = ?")
      .bind(id)
      .run();

    // The old upload is still there: the id is busy, nothing is created.
    const busy = await createTenant(id, 10_000);
    expect(busy.status).toBe(409);
    expect((await busy.json<{ message: string }>()).message).toMatch(/still being removed/);

    // The next sweep (the hourly cron, not 24 hours later: the delete expired the upload) frees it.
    await sweepResumables(createDb(d1), bucket, Date.now(), 0);
    expect((await createTenant(id, 10_000)).status).toBe(201);
    const fresh = tenantAdmin(id);
    const shard = await shardDb(id);
    expect(await readUsage(shard, id)).toMatchObject({ storedBytes: 0, uploadReservedBytes: 0, uploads: 0 });
    expect(await findUsageDrift(shard, id)).toEqual([]);
    // Exactly the quota: 9982 bytes and 18 of metadata ("fits.bin", "c8y_test", "{}").
    expect((await upload(fresh, "fits.bin", randomBytes(10_000 - 18, 2))).id).toBeTruthy();
    const { body, contentType } = multipartBody([
      { name: "object", value: JSON.stringify({ name: "over.bin", type: "c8y_Firmware" }) },
      { name: "file", value: randomBytes(10, 3), filename: "over.bin" },
    ]);
    const over = await call("/inventory/binaries", {
      method: "POST",
      body,
      headers: { Authorization: fresh, "Content-Type": contentType },
    });
    expect(over.status).toBe(413);
    expect(await findUsageDrift(shard, id)).toEqual([]);
  });
});
