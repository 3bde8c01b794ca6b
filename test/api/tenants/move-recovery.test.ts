import { introspectWorkflow } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { COPY_PAGE, MOVED_TABLES } from "../../../src/tenants/move";
import { call, randomBytes, seedUser, shardOf, stillOpen, TUS, tusPatch, upload } from "../../helpers";

/**
 * A move whose Workflow ended errored does not leave its tenant frozen (issue 19): the platform admin
 * resumes it (the same plan again, from where it stopped) or, before the switch, rolls it back. A
 * failure is injected at each step; afterwards nothing is lost and nothing is left twice.
 */

let platformAdmin: string;
beforeAll(async () => {
  platformAdmin = await seedUser("management", "root");
});

/** The move's steps in order, as the Workflow names them. */
const STEPS = [
  "freeze",
  ...MOVED_TABLES.map((table) => `copy ${table}`),
  "copy bytes",
  "switch",
  "remove old copy",
  "remove old bytes",
];
/** The steps before the switch: a move stopped at one of them can be rolled back. */
const BEFORE_SWITCH = STEPS.slice(0, STEPS.indexOf("switch") + 1);

const admin = (init: RequestInit = {}) => ({
  ...init,
  headers: { Authorization: platformAdmin, "Content-Type": "application/json", ...init.headers },
});

/** Rows of `tenant` in one shard over the tables a move copies (login failures aside). */
async function rowsIn(d1: D1Database, tenant: string): Promise<number> {
  let n = 0;
  for (const table of ["users", "binaries", "uploads", "sessions", "tenant_usage"]) {
    n += (await d1.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE tenant = ?`).bind(tenant).first<number>("n"))!;
  }
  return n + (await d1.prepare("SELECT COUNT(*) AS n FROM tenants WHERE id = ?").bind(tenant).first<number>("n"))!;
}

const shard = (no: number) => [env.DB, env.DB_EU1, env.DB_US2][no]!;

interface Fixture {
  tenant: string;
  auth: string;
  files: { id: string; bytes: Uint8Array }[];
  /** An incomplete resumable upload's R2 multipart upload (in the us bucket). */
  open: { key: string; multipartId: string };
  fromShard: number;
  rowsBefore: number;
}

/** A us tenant with two binaries and an open resumable upload that holds an R2 multipart upload. */
async function fixture(tenant: string): Promise<Fixture> {
  const auth = await seedUser(tenant, "admin");
  const files = [randomBytes(1200, tenant.length), randomBytes(700, tenant.length + 1)];
  const ids = [await upload(auth, "a.bin", files[0]!), await upload(auth, "b.bin", files[1]!)];
  const created = await call("/inventory/binaries/uploads", {
    method: "POST",
    headers: {
      Authorization: auth,
      ...TUS,
      "Upload-Length": String(12 * 1024 * 1024),
      "Upload-Metadata": `filename ${btoa("open.bin")}`,
    },
  });
  expect(created.status).toBe(201);
  const path = new URL(created.headers.get("Location")!).pathname;
  // One full part (5 MiB in the tests): the upload now holds an R2 multipart upload.
  expect((await tusPatch(path, auth, randomBytes(5 * 1024 * 1024, 3), 5 * 1024 * 1024)).status).toBe(204);
  const from = await shardOf(tenant);
  const open = await from.d1
    .prepare("SELECT r2_key AS key, multipart_id AS multipartId FROM uploads WHERE tenant = ?")
    .bind(tenant)
    .first<{ key: string; multipartId: string }>();
  expect(open?.multipartId).toBeTruthy();
  return {
    tenant,
    auth,
    files: ids.map((mo, i) => ({ id: mo.id as string, bytes: files[i]! })),
    open: open!,
    fromShard: from.no,
    rowsBefore: await rowsIn(from.d1, tenant),
  };
}

/**
 * Starts a move of `f` to the eu region whose step `failing` fails on every attempt and waits until the
 * instance errored; returns its id and the introspector (its disposal aborts the instances, so the
 * test keeps it until the end). Instances created afterwards run without the failure: the pool's own
 * call behind modifyAll sets the session's operations to none.
 */
async function failedMove(f: Fixture, failing: string): Promise<{ id: string } & AsyncDisposable> {
  const introspector = await introspectWorkflow(env.MOVE_TENANT);
  await introspector.modifyAll(async (m) => {
    await m.disableSleeps();
    await m.disableRetryDelays();
    await m.mockStepError({ name: failing }, new Error(`killed at ${failing}`));
  });
  const started = await call(`/tenant/tenants/${f.tenant}/move`, admin({ method: "POST", body: '{"region":"eu"}' }));
  expect(started.status).toBe(202);
  const { id } = await started.json<{ id: string }>();
  const [instance] = await introspector.get();
  await instance!.waitForStatus("errored");
  const session = (introspector as unknown as { getSessionId(): unknown }).getSessionId();
  const binding = env.MOVE_TENANT as unknown as {
    unsafeSetIntrospectionOperations(s: unknown, o: unknown[]): Promise<void>;
  };
  await binding.unsafeSetIntrospectionOperations(session, [{ type: "disableSleeps" }]);
  return { id, [Symbol.asyncDispose]: () => introspector.dispose() };
}

/** Sends resume or rollback and runs the new attempt to its end; returns the answer. */
async function recover(f: Fixture, id: string, action: "resume" | "rollback"): Promise<Response> {
  const next = id.replace(/-(\d+)$/, (_, n) => `-${Number(n) + 1}`);
  const res = await call(`/tenant/tenants/${f.tenant}/move/${id}/${action}`, admin({ method: "POST" }));
  if (res.status === 202) {
    expect(res.headers.get("Location")).toMatch(new RegExp(`/move/${next}$`));
    await waitFor(f.tenant, next, "complete");
  }
  return res;
}

/** Polls GET /tenant/tenants/{id}/move/{instance} until the instance reaches `status`. */
async function waitFor(tenant: string, instance: string, status: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const res = await call(`/tenant/tenants/${tenant}/move/${instance}`, admin());
    const body = await res.json<{ status: string; error?: string }>();
    if (body.status === status) return;
    if (["errored", "terminated", "complete"].includes(body.status)) {
      throw new Error(`move ${instance} ended ${body.status} ${body.error ?? ""}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`move ${instance} never reached ${status}`);
}

async function readsAll(f: Fixture) {
  for (const file of f.files) {
    const res = await call(`/inventory/binaries/${file.id}`, { headers: { Authorization: f.auth } });
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(file.bytes);
  }
}

const prefixCount = async (bucket: R2Bucket, tenant: string) =>
  (await bucket.list({ prefix: `${tenant}/` })).objects.length;

describe("a move that ended errored", () => {
  it.each(STEPS.map((step, i) => [step, i]))(
    "failed at %s: resumed, it completes with every row once",
    async (step, i) => {
      const f = await fixture(`rs-${i}`);
      await using failed = await failedMove(f, step as string);
      const { id } = failed;
      const status = await call(`/tenant/tenants/${f.tenant}/move/${id}`, admin());
      expect(await status.json()).toMatchObject({ status: "errored" });
      const resumed = await recover(f, id, "resume");
      expect(resumed.status).toBe(202);
      const body = await resumed.json<{ id: string; to: { region: string } }>();
      expect(body.to.region).toBe("eu");
      const to = await shardOf(f.tenant);
      expect(to.no).toBe(1);
      expect(await rowsIn(shard(f.fromShard), f.tenant)).toBe(0);
      // The open upload cannot follow its tenant to another region: its row is dropped (rowsBefore
      // counted it) and its multipart upload in the old bucket is aborted, not left open.
      expect(await rowsIn(env.DB_EU1, f.tenant)).toBe(f.rowsBefore - 1);
      expect(await stillOpen(env.BUCKET, f.open.key, f.open.multipartId)).toBe(false);
      expect(await prefixCount(env.BUCKET, f.tenant)).toBe(0);
      expect(await prefixCount(env.BUCKET_EU, f.tenant)).toBe(2);
      await readsAll(f);
      expect((await upload(f.auth, "after.bin", "after")).id).toMatch(/1$/);
      const done = await call(`/tenant/tenants/${f.tenant}/move/${body.id}`, admin());
      expect(await done.json()).toMatchObject({ status: "complete" });
    },
  );

  it.each(BEFORE_SWITCH.map((step, i) => [step, i]))(
    "failed at %s: rolled back, the tenant is writable on its old shard and nothing is left in the new one",
    async (step, i) => {
      const f = await fixture(`rb-${i}`);
      await using failed = await failedMove(f, step as string);
      const { id } = failed;
      const rolled = await recover(f, id, "rollback");
      expect(rolled.status).toBe(202);
      expect(await rolled.json()).toMatchObject({ rollback: true });
      expect((await shardOf(f.tenant)).no).toBe(f.fromShard);
      expect(await rowsIn(shard(f.fromShard), f.tenant)).toBe(f.rowsBefore);
      expect(await rowsIn(env.DB_EU1, f.tenant)).toBe(0);
      expect(await prefixCount(env.BUCKET_EU, f.tenant)).toBe(0);
      expect(await prefixCount(env.BUCKET, f.tenant)).toBe(2);
      // The open upload is untouched: still open, and its owner goes on with it.
      expect(await stillOpen(env.BUCKET, f.open.key, f.open.multipartId)).toBe(true);
      await readsAll(f);
      const later = await upload(f.auth, "after.bin", "after");
      expect(Number(later.id) % 1000).toBe(f.fromShard);
      // A new move may start again.
      const again = await call(`/tenant/tenants/${f.tenant}/move`, admin({ method: "POST", body: '{"region":"eu"}' }));
      expect(again.status).toBe(202);
    },
  );

  it("past the switch: no rollback, only a resume; each attempt is resumed or rolled back once", async () => {
    const f = await fixture("rb-late");
    await using failed = await failedMove(f, "remove old copy");
    const { id } = failed;
    expect((await recover(f, id, "rollback")).status).toBe(409);
    const resumed = await recover(f, id, "resume");
    expect(resumed.status).toBe(202);
    const { id: next } = await resumed.json<{ id: string }>();
    // The stopped attempt was followed already; the new one completed.
    expect((await call(`/tenant/tenants/${f.tenant}/move/${id}/resume`, admin({ method: "POST" }))).status).toBe(409);
    expect((await call(`/tenant/tenants/${f.tenant}/move/${id}/rollback`, admin({ method: "POST" }))).status).toBe(409);
    expect((await call(`/tenant/tenants/${f.tenant}/move/${next}/resume`, admin({ method: "POST" }))).status).toBe(409);
    expect(await rowsIn(shard(f.fromShard), f.tenant)).toBe(0);
    await readsAll(f);
  });

  it("refuses unknown instances, other tenants' instances and callers without platform rights", async () => {
    const f = await fixture("rb-auth");
    await using failed = await failedMove(f, "copy bytes");
    const { id } = failed;
    const other = await seedUser("rb-other", "admin");
    expect((await call(`/tenant/tenants/rb-other/move/${id}/resume`, admin({ method: "POST" }))).status).toBe(404);
    expect(
      (await call(`/tenant/tenants/${f.tenant}/move/move-${f.tenant}-1-0-1-1/resume`, admin({ method: "POST" })))
        .status,
    ).toBe(404);
    for (const auth of [f.auth, other]) {
      const res = await call(`/tenant/tenants/${f.tenant}/move/${id}/rollback`, {
        method: "POST",
        headers: { Authorization: auth },
      });
      expect(res.status).toBe(403);
    }
    expect((await call(`/tenant/tenants/${f.tenant}/move/${id}/resume`, admin({ method: "GET" }))).status).toBe(405);
    // Still frozen, still recoverable.
    expect((await recover(f, id, "rollback")).status).toBe(202);
  });
});

describe("after a move to another region", () => {
  it("this data centre's edge cache no longer answers the old region's links", async () => {
    const f = await fixture("mv-cached");
    const minted = await call(`/inventory/binaries/${f.files[0]!.id}/links`, {
      method: "POST",
      headers: { Authorization: f.auth, "Content-Type": "application/json" },
      body: "{}",
    });
    const link = new URL((await minted.json<{ url: string }>()).url);
    const fetchLink = () => call(`${link.pathname}${link.search}`);
    expect((await fetchLink()).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the cache put finishes in waitUntil
    const hit = await fetchLink();
    expect(hit.headers.get("X-Edge-Cache")).toBe("hit");
    await hit.arrayBuffer();
    await using introspector = await introspectWorkflow(env.MOVE_TENANT);
    await introspector.modifyAll(async (m) => {
      await m.disableSleeps();
    });
    const started = await call(`/tenant/tenants/${f.tenant}/move`, admin({ method: "POST", body: '{"region":"eu"}' }));
    const { id } = await started.json<{ id: string }>();
    await waitFor(f.tenant, id, "complete");
    // The link names the old region: its bytes there are gone, and so is their cached copy here.
    expect((await fetchLink()).status).toBe(404);
    await readsAll(f);
  });
});

describe("a move of many objects to another region", () => {
  it("copies and removes them a page a step; a page step failing twice is retried", async () => {
    const f = await fixture("mv-pages");
    // More than one copy page (COPY_PAGE) of objects under the tenant's prefix.
    const extra = Array.from({ length: COPY_PAGE + 5 }, (_, i) => `mv-pages/extra-${i}`);
    await Promise.all(extra.map((key) => env.BUCKET.put(key, key)));
    await using introspector = await introspectWorkflow(env.MOVE_TENANT);
    await introspector.modifyAll(async (m) => {
      await m.disableSleeps();
      await m.disableRetryDelays();
      await m.mockStepError({ name: "copy bytes 2" }, new Error("killed"), 2);
    });
    const started = await call(`/tenant/tenants/${f.tenant}/move`, admin({ method: "POST", body: '{"region":"eu"}' }));
    const { id } = await started.json<{ id: string }>();
    await waitFor(f.tenant, id, "complete");
    const [instance] = await introspector.get();
    // The second page was its own step (the last: no cursor after it).
    expect(await instance!.waitForStepResult({ name: "copy bytes 2" })).toMatchObject({ cursor: null });
    expect(await prefixCount(env.BUCKET, f.tenant)).toBe(0);
    expect(await prefixCount(env.BUCKET_EU, f.tenant)).toBe(2 + extra.length);
    expect(await (await env.BUCKET_EU.get(extra[extra.length - 1]!))!.text()).toBe(extra[extra.length - 1]);
    await readsAll(f);
  });
});
