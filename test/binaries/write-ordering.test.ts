import {
  createExecutionContext,
  createScheduledController,
  introspectWorkflow,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { sweepLoginFailures } from "../../src/auth/login-throttle";
import { createBinary, removeBinary } from "../../src/binaries/service";
import { sweepOrphans } from "../../src/binaries/sweep";
import { readConfig } from "../../src/config";
import { findBinary } from "../../src/db/binaries";
import worker from "../../src/index";
import { call, db, multipartBody, r2KeyOf, seedUser, storeCounts, upload } from "../helpers";

let admin: string;
const principal = { tenant: "t1", userName: "alice", userId: "u-alice", roles: new Set(["ROLE_INVENTORY_ADMIN"]) };

beforeAll(async () => {
  admin = await seedUser("t1", "alice");
  // Fault injection in the real database: D1 refuses these writes as a crash would interrupt them.
  await env.DB.exec(
    "CREATE TRIGGER fail_insert BEFORE INSERT ON binaries WHEN NEW.name = 'explode' BEGIN SELECT RAISE(ABORT, " +
      "'injected insert failure'); END;",
  );
  await env.DB.exec(
    "CREATE TRIGGER fail_update BEFORE UPDATE ON binaries WHEN NEW.content_type = 'application/x-explode' " +
      "BEGIN SELECT RAISE(ABORT, 'injected update failure'); END;",
  );
});

/** A bucket whose chosen operations fail, the rest going to the real one. */
function faultyBucket(fail: Partial<Record<"put" | "delete" | "createMultipartUpload", true>>): R2Bucket {
  return new Proxy(env.BUCKET, {
    get(target, prop, receiver) {
      if (typeof prop === "string" && prop in fail) return () => Promise.reject(new Error(`injected ${prop} failure`));
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("write ordering under faults (docs/api.md#consistency-between-r2-and-d1)", () => {
  it("a row insert failing after the bytes were written leaves no object, and a bare 500", async () => {
    const before = await storeCounts();
    const { body, contentType } = multipartBody([
      { name: "object", value: '{"name":"explode","type":"t"}' },
      { name: "file", value: "bytes" },
    ]);
    const res = await call("/inventory/binaries", {
      method: "POST",
      body,
      headers: { Authorization: admin, "Content-Type": contentType },
    });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain("injected");
    expect(JSON.parse(text)).toMatchObject({ error: "general/Internal Error" });
    expect(await storeCounts()).toEqual(before);
  });

  it("an R2 failure while storing the bytes leaves no row", async () => {
    const before = await storeCounts();
    const { body, contentType } = multipartBody([
      { name: "object", value: '{"name":"n","type":"t"}' },
      { name: "filesize", value: "5" },
      { name: "file", value: "bytes" },
    ]);
    const stream = new Response(body).body;
    const stores = { db: db(), bucket: faultyBucket({ put: true }), config: readConfig(env) };
    await expect(createBinary(stores, principal, stream, contentType)).rejects.toThrow();
    expect(await storeCounts()).toEqual(before);
  });

  it("a replace whose row switch fails keeps the old bytes readable and removes the new ones", async () => {
    const mo = await upload(admin, "keep.bin", "old bytes");
    const before = await storeCounts();
    const res = await call(`/inventory/binaries/${mo.id}`, {
      method: "PUT",
      body: "new bytes",
      headers: { Authorization: admin, "Content-Type": "application/x-explode" },
    });
    expect(res.status).toBe(500);
    expect(await storeCounts()).toEqual(before);
    const download = await call(`/inventory/binaries/${mo.id}`, { headers: { Authorization: admin } });
    expect(await download.text()).toBe("old bytes");
    expect(download.headers.get("ETag")).toBe(`"${mo._attachments["keep.bin"].digest.slice(4)}"`);
  });

  it("a delete whose R2 delete fails still removes the row first; the sweep collects the object", async () => {
    const mo = await upload(admin, "orphan.bin", "bytes");
    const key = await r2KeyOf("t1", mo.id);
    const stores = { db: db(), bucket: faultyBucket({ delete: true }), config: readConfig(env) };
    await removeBinary(stores, principal, Number(mo.id));
    expect(await findBinary(db(), "t1", Number(mo.id))).toBeUndefined();
    expect(await env.BUCKET.head(key)).not.toBeNull();
    const report = await sweepOrphans(db(), env.BUCKET, 0);
    expect(report.deleted).toEqual([key]);
    expect(await env.BUCKET.head(key)).toBeNull();
  });
});

describe("raw bodies that do not match their Content-Length", () => {
  it("on the multipart path (above SINGLE_PUT_MAX_BYTES) are a 400 and leave no object", async () => {
    const { ingestRawBody } = await import("../../src/ingest/raw-body");
    const { ApiError } = await import("../../src/errors");
    const { chunkedStream, randomBytes } = await import("../helpers");
    const key = "t1/777/2-short";
    const limits = { partSize: 5 * 1024 * 1024, singlePutMaxBytes: 6 * 1024 * 1024 };
    const short = ingestRawBody(
      env.BUCKET,
      key,
      chunkedStream(randomBytes(7 * 1024 * 1024), 256 * 1024),
      8 * 1024 * 1024,
      "application/zip",
      limits,
    );
    await expect(short).rejects.toBeInstanceOf(ApiError);
    await expect(short).rejects.toMatchObject({ status: 400 });
    expect(await env.BUCKET.head(key)).toBeNull();
  });
});

describe("orphan sweep", () => {
  it("removes only unreferenced objects older than the minimum age, and keeps every live binary", async () => {
    const live = await upload(admin, "live.bin", "live");
    await env.BUCKET.put("t1/424242/1-orphan", "left by a crash");
    expect((await sweepOrphans(db(), env.BUCKET, 3_600_000)).deleted).toEqual([]);
    const report = await sweepOrphans(db(), env.BUCKET, 0);
    expect(report.deleted).toEqual(["t1/424242/1-orphan"]);
    expect(await (await call(`/inventory/binaries/${live.id}`, { headers: { Authorization: admin } })).text()).toBe(
      "live",
    );
  });

  it("drops failed-login records whose window is long over, and keeps recent ones", async () => {
    const now = Date.now();
    await env.DB.prepare(
      "INSERT INTO login_failures (login, failures, first_failure_ms, blocked_until_ms) VALUES ('t1/old', 9, " +
        "?, 0), ('t1/new', 9, ?, ?)",
    )
      .bind(now - 3_600_000, now - 1000, now + 60_000)
      .run();
    await sweepLoginFailures(db(), now);
    const rows = await env.DB.prepare("SELECT login FROM login_failures ORDER BY login").all<{ login: string }>();
    expect(rows.results.map((r) => r.login)).toEqual(["t1/new"]);
  });

  it("runs from the cron trigger (which starts the sweep Workflows)", async () => {
    await env.BUCKET.put("t1/434343/1-orphan", "x", {});
    await using introspector = await introspectWorkflow(env.SWEEP);
    const ctx = createExecutionContext();
    // The configured minimum age is an hour; pretend the clock moved on by running with age 0.
    await worker.scheduled(createScheduledController(), { ...env, ORPHAN_MIN_AGE_SECONDS: "0" }, ctx);
    await waitOnExecutionContext(ctx);
    for (const instance of await introspector.get()) await instance.waitForStatus("complete");
    expect(await env.BUCKET.head("t1/434343/1-orphan")).toBeNull();
  });
});
