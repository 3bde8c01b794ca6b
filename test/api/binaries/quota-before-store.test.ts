import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { forgetCachedLogins } from "../../../src/auth/authenticate";
import { findUsageDrift } from "../../../src/db/usage";
import { forgetUsageHints } from "../../../src/db/usage-hints";
import { type BindingCall, proxyD1, proxyR2 } from "../../bindings-proxy";
import {
  callWithBindings,
  chunkedStream,
  createTenantWithQuota,
  multipartBody,
  randomBytes,
  seedUser,
  shardDb,
  shardOf,
  upload,
} from "../../helpers";

/**
 * Issue 20: an upload whose size is known before its bytes (`filesize`, a file held whole within the
 * first part, a chunked PUT within a part) is refused over the quota before any byte is stored, also
 * in an isolate that has never seen the tenant (docs/api.md#usage-and-quotas). Every R2 call and D1
 * statement is recorded, so "before any byte is stored" means: no put, no multipart upload, no part.
 */

const PART = 5 * 1024 * 1024; // UPLOAD_PART_SIZE in vitest.config.mts

let platformAdmin: string;
beforeAll(async () => {
  platformAdmin = await seedUser("management", "admin");
});

let calls: BindingCall[] = [];
const record = (c: BindingCall) => void calls.push(c);
const counted = {
  DB: proxyD1(env.DB, record),
  DB_EU1: proxyD1(env.DB_EU1, record),
  DB_US2: proxyD1(env.DB_US2, record),
  BUCKET: proxyR2(env.BUCKET, record),
  BUCKET_EU: proxyR2(env.BUCKET_EU, record),
} as Partial<Env>;

/** One request with counting bindings; its R2 operations and D1 statements. */
async function counting(path: string, init: RequestInit) {
  calls = [];
  const res = await callWithBindings(path, init, counted);
  const r2 = calls.flatMap((c) => (c.kind === "r2" ? [c.op] : []));
  const usageReads = calls.filter(
    (c) => c.kind === "d1" && c.statements.length === 1 && /^select .* from "tenant_usage"/i.test(c.statements[0]!),
  ).length;
  return { res, r2, usageReads };
}

/** As a fresh isolate: no cached login, no usage hint. */
function coldIsolate(tenant: string): void {
  forgetCachedLogins(tenant);
  forgetUsageHints();
}

const createTenant = (id: string, storageQuota: number | null) =>
  createTenantWithQuota(platformAdmin, id, storageQuota);

/** Rows, objects and tracked multipart uploads the tenant has, and its drift. */
async function leftOf(tenant: string) {
  const { d1, bucket } = await shardOf(tenant);
  const rows = await d1
    .prepare("SELECT COUNT(*) AS n FROM binaries WHERE tenant = ?")
    .bind(tenant)
    .first<{ n: number }>();
  const parts = await d1
    .prepare("SELECT COUNT(*) AS n FROM multipart_uploads WHERE key LIKE ?")
    .bind(`${tenant}/%`)
    .first<{ n: number }>();
  const objects = (await bucket.list({ prefix: `${tenant}/` })).objects.length;
  const drift = await findUsageDrift(await shardDb(tenant), tenant);
  return { rows: rows?.n, objects, multipartUploads: parts?.n, drift };
}

function form(file: Uint8Array, filesize?: number) {
  return multipartBody([
    { name: "object", value: JSON.stringify({ name: "f.bin", type: "c8y_Firmware" }) },
    ...(filesize === undefined ? [] : [{ name: "filesize", value: String(filesize) }]),
    { name: "file", value: file, filename: "f.bin" },
  ]);
}

function post(auth: string, body: { body: Uint8Array; contentType: string }, chunked = true) {
  return counting("/inventory/binaries", {
    method: "POST",
    body: chunked ? chunkedStream(body.body) : body.body,
    headers: { Authorization: auth, "Content-Type": body.contentType },
  });
}

describe("quota refusals before any byte is stored (issue 20)", () => {
  it("a declared filesize over the quota, in a cold isolate: no put, no part, no row", async () => {
    const admin = await createTenant("qbs-filesize", 2 * PART);
    await upload(admin, "a.bin", randomBytes(PART, 1));
    coldIsolate("qbs-filesize");
    // Larger than a part: without the check it would become a multipart upload part by part.
    const refused = await post(admin, form(randomBytes(PART + 1000, 2), PART + 1000));
    expect(refused.res.status).toBe(413);
    expect(await refused.res.json()).toMatchObject({
      error: "inventory/Storage Quota Exceeded",
      // Used: the file and 15 bytes of metadata ("a.bin", "c8y_test", "{}").
      details: { storageQuota: 2 * PART, storageUsed: PART + 15, requested: PART + 1000 },
    });
    expect(refused.r2).toEqual([]);
    expect(await leftOf("qbs-filesize")).toEqual({ rows: 1, objects: 1, multipartUploads: 0, drift: [] });
  });

  it("a file that ends within the first part, no filesize, chunked, cold isolate: refused before its put", async () => {
    const admin = await createTenant("qbs-held", 10_000);
    await upload(admin, "a.bin", randomBytes(6000, 3));
    coldIsolate("qbs-held");
    const refused = await post(admin, form(randomBytes(5000, 4)));
    expect(refused.res.status).toBe(413);
    expect(refused.r2).toEqual([]);
    expect(await leftOf("qbs-held")).toEqual({ rows: 1, objects: 1, multipartUploads: 0, drift: [] });
    // What fits still goes in, in the same (now warm) isolate.
    expect((await post(admin, form(randomBytes(3900, 5)))).res.status).toBe(201);
    expect(await leftOf("qbs-held")).toMatchObject({ rows: 2, objects: 2, drift: [] });
  });

  it("a file longer than a part, no filesize: refused before its first part when that part cannot fit", async () => {
    const admin = await createTenant("qbs-part", 100_000);
    coldIsolate("qbs-part");
    const refused = await post(admin, form(randomBytes(PART + 10, 6)));
    expect(refused.res.status).toBe(413);
    expect(refused.r2).toEqual([]);
    expect(await leftOf("qbs-part")).toEqual({ rows: 0, objects: 0, multipartUploads: 0, drift: [] });
  });

  it("a chunked PUT that ends within a part is refused before its bytes are stored", async () => {
    const admin = await createTenant("qbs-put", 10_000);
    const mo = await upload(admin, "a.bin", randomBytes(6000, 7));
    coldIsolate("qbs-put");
    const refused = await counting(`/inventory/binaries/${mo.id}`, {
      method: "PUT",
      body: chunkedStream(randomBytes(11_000, 8)),
      headers: { Authorization: admin, "Content-Type": "application/octet-stream" },
    });
    expect(refused.res.status).toBe(413);
    expect(refused.r2).toEqual([]);
    expect(await leftOf("qbs-put")).toEqual({ rows: 1, objects: 1, multipartUploads: 0, drift: [] });
  });

  it("a tenant without a quota pays no usage read; one with a quota only when the write could cross it", async () => {
    const free = await createTenant("qbs-free", null);
    coldIsolate("qbs-free");
    const first = await post(free, form(randomBytes(3000, 9), 3000));
    expect(first.res.status).toBe(201);
    expect(first.usageReads).toBe(0); // the login's own lookup said: no quota
    const limited = await createTenant("qbs-limited", 10_000);
    coldIsolate("qbs-limited");
    const fits = await post(limited, form(randomBytes(3000, 10), 3000));
    expect(fits.res.status).toBe(201);
    expect(fits.usageReads).toBe(0); // the login saw 0 of 10,000 used
    const close = await post(limited, form(randomBytes(6000, 11), 6000));
    expect(close.res.status).toBe(201);
    expect(close.usageReads).toBe(0); // this isolate counted its own 3000
    const over = await post(limited, form(randomBytes(2000, 12), 2000));
    expect(over.res.status).toBe(413);
    expect(over.usageReads).toBe(1); // 9000 + 2000 could cross: read, and refused exactly
    expect(over.r2).toEqual([]);
  });

  it("what this isolate cannot see (the quota lowered elsewhere) is refused at commit, nothing left", async () => {
    const admin = await createTenant("qbs-stale", 10_000);
    await upload(admin, "a.bin", randomBytes(1000, 13));
    // Another isolate lowers the quota: this one's hint still says 10,000.
    await (await shardOf("qbs-stale")).d1
      .prepare("UPDATE tenant_usage SET storage_quota = 2000 WHERE tenant = 'qbs-stale'")
      .run();
    const refused = await post(admin, form(randomBytes(3000, 14), 3000));
    expect(refused.res.status).toBe(413);
    expect(refused.r2).toContain("put"); // stored, then deleted at the refused commit
    expect(await leftOf("qbs-stale")).toEqual({ rows: 1, objects: 1, multipartUploads: 0, drift: [] });
  });
});
