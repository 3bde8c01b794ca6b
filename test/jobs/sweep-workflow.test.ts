import {
  createExecutionContext,
  createScheduledController,
  introspectWorkflow,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { readUsage } from "../../src/db/usage";
import worker from "../../src/index";
import { type SweepJob, startSweeps } from "../../src/jobs/sweeps";
import { expireUploads, listExpiredUploads } from "../../src/resumable/expire";
import { call, randomBytes, seedTenant, seedUser, shardOf, stillOpen, TUS, tusPatch } from "../helpers";

/**
 * The hourly cleanups run on a Workflow (issue 19): the cron only starts one instance per shard and
 * one per region; each batch or listing page is a recorded, retried step that may run twice.
 */

/** An open resumable upload of `tenant` with a multipart upload (one part) and a tail object, expired now. */
async function expiredUpload(tenant: string, region?: string) {
  await seedTenant(tenant, region);
  const auth = await seedUser(tenant, "admin");
  const created = await call("/inventory/binaries/uploads", {
    method: "POST",
    headers: {
      Authorization: auth,
      ...TUS,
      "Upload-Length": String(12 * 1024 * 1024),
      "Upload-Metadata": `filename ${btoa("e.bin")}`,
    },
  });
  const path = new URL(created.headers.get("Location")!).pathname;
  const first = 5 * 1024 * 1024 + 500;
  expect((await tusPatch(path, auth, randomBytes(first, 7), first)).status).toBe(204);
  const shard = await shardOf(tenant);
  await shard.d1.prepare("UPDATE uploads SET expires_ms = 1 WHERE tenant = ?").bind(tenant).run();
  const row = await shard.d1
    .prepare("SELECT id, r2_key AS key, multipart_id AS uploadId, tail_key AS tail FROM uploads WHERE tenant = ?")
    .bind(tenant)
    .first<{ id: string; key: string; uploadId: string; tail: string }>();
  expect(row?.uploadId && row.tail).toBeTruthy();
  return { shard, upload: row! };
}

describe("the cron's sweep Workflows", () => {
  it("one instance per shard and per region; a second start of the same run starts none", async () => {
    const eu = await expiredUpload("sw-eu", "eu");
    expect(eu.shard.no).toBe(1);
    await seedTenant("sw-eu-region", "eu");
    await env.BUCKET_EU.put("sw-eu-region/orphan", "left by a crash");
    await env.BUCKET.put("sw-us/orphan", "left by a crash");
    await env.DB_US2.prepare(
      "INSERT INTO login_failures (login, failures, first_failure_ms, blocked_until_ms) VALUES ('sw-us/old', 9, 1, 0)",
    ).run();
    await using introspector = await introspectWorkflow(env.SWEEP);
    const controller = createScheduledController({ scheduledTime: Date.now() + 1000 });
    for (let run = 0; run < 2; run++) {
      const ctx = createExecutionContext();
      await worker.scheduled(controller, { ...env, ORPHAN_MIN_AGE_SECONDS: "0" }, ctx);
      await waitOnExecutionContext(ctx);
    }
    const instances = await introspector.get();
    expect(instances).toHaveLength(5); // shards 0, 1, 2 and regions us, eu
    const outputs = [];
    for (const instance of instances) {
      await instance.waitForStatus("complete");
      outputs.push(await instance.getOutput());
    }
    expect(outputs).toContainEqual(expect.objectContaining({ expired: 1 }));
    expect(await env.BUCKET_EU.head("sw-eu-region/orphan")).toBeNull();
    expect(await env.BUCKET.head("sw-us/orphan")).toBeNull();
    expect(await eu.shard.bucket.head(eu.upload.tail)).toBeNull();
    expect(await stillOpen(eu.shard.bucket, eu.upload.key, eu.upload.uploadId)).toBe(false);
    expect(await eu.shard.d1.prepare("SELECT COUNT(*) AS n FROM uploads WHERE tenant = 'sw-eu'").first("n")).toBe(0);
    expect(
      await env.DB_US2.prepare("SELECT COUNT(*) AS n FROM login_failures WHERE login = 'sw-us/old'").first("n"),
    ).toBe(0);
  });

  it("expiring uploads killed after a row went, run again: the multipart upload is aborted, counted once", async () => {
    const { shard, upload } = await expiredUpload("sw-kill");
    const db = createDb(shard.d1);
    const before = await readUsage(db, "sw-kill");
    expect(before.uploads).toBe(1);
    const now = Date.now();
    const listed = await listExpiredUploads(db, now);
    expect(listed.map((u) => u.id)).toContain(upload.id);
    // The step dies after the row delete, in the R2 work (its abort never returns).
    const hanging = new Proxy(shard.bucket, {
      get: (target, prop) =>
        prop === "resumeMultipartUpload"
          ? () => ({ abort: () => new Promise(() => {}) })
          : Reflect.get(target, prop).bind(target),
    });
    void expireUploads(db, hanging, listed, now);
    for (
      let i = 0;
      i < 100 && (await shard.d1.prepare("SELECT COUNT(*) AS n FROM uploads WHERE tenant = 'sw-kill'").first("n"));
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(await stillOpen(shard.bucket, upload.key, upload.uploadId)).toBe(true);
    // The engine runs the step again with the recorded list: the row is gone, its R2 work is done from the list.
    expect(await expireUploads(db, shard.bucket, listed, now)).toBe(listed.length);
    expect(await stillOpen(shard.bucket, upload.key, upload.uploadId)).toBe(false);
    expect(await shard.bucket.head(upload.tail)).toBeNull();
    const after = await readUsage(db, "sw-kill");
    expect(after.uploads).toBe(0);
    expect(after.uploadReservedBytes).toBe(before.uploadReservedBytes - 12 * 1024 * 1024);
  });

  it("an upload renewed between the listing and its step is kept", async () => {
    const { shard, upload } = await expiredUpload("sw-renewed");
    const db = createDb(shard.d1);
    const now = Date.now();
    const listed = await listExpiredUploads(db, now);
    await shard.d1
      .prepare("UPDATE uploads SET expires_ms = ? WHERE id = ?")
      .bind(now + 60_000, upload.id)
      .run();
    await expireUploads(db, shard.bucket, listed, now);
    expect(await shard.d1.prepare("SELECT COUNT(*) AS n FROM uploads WHERE id = ?").bind(upload.id).first("n")).toBe(1);
    expect(await stillOpen(shard.bucket, upload.key, upload.uploadId)).toBe(true);
    expect(await shard.bucket.head(upload.tail)).not.toBeNull();
  });

  it("a bucket longer than one instance's pages goes on in a continuation instance, killed steps retried", async () => {
    const prefix = "sw-many/";
    await Promise.all(Array.from({ length: 520 }, (_, i) => env.BUCKET_EU.put(`${prefix}${i}`, "x")));
    await using introspector = await introspectWorkflow(env.SWEEP);
    await introspector.modifyAll(async (m) => {
      await m.disableRetryDelays();
      await m.mockStepError({ name: "orphans 1" }, new Error("killed"), 2);
    });
    const job: SweepJob = { kind: "region", region: "eu", nowMs: Date.now() + 1000, minAgeMs: 0, pagesPerInstance: 1 };
    await env.SWEEP.create({ id: `sweep-test-${job.nowMs}`, params: job });
    for (let seen = 0; seen < 3; ) {
      const instances = await introspector.get();
      for (const instance of instances.slice(seen)) await instance.waitForStatus("complete");
      if (instances.length === seen) break;
      seen = instances.length;
    }
    const instances = await introspector.get();
    expect(instances.length).toBeGreaterThanOrEqual(2);
    expect(await instances[0]!.getOutput()).toMatchObject({ continuedAs: `sweep-${job.nowMs}-region-eu-p2` });
    expect((await env.BUCKET_EU.list({ prefix })).objects).toHaveLength(0);
  });
});

describe("starting the sweeps", () => {
  it("one instance that cannot be started does not keep the others from starting", async () => {
    const created: string[] = [];
    const failing = {
      create: async ({ id }: { id: string }) => {
        if (id.endsWith("shard-0")) throw new Error("workflows unavailable");
        created.push(id);
        return { id };
      },
    } as unknown as Workflow<SweepJob>;
    const started = await startSweeps(env, failing, 42);
    expect(started).toEqual(created);
    expect(started).toEqual(["sweep-42-shard-1", "sweep-42-shard-2", "sweep-42-region-us", "sweep-42-region-eu"]);
  });
});
