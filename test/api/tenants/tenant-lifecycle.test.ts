import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBootstrapAdmin } from "../../../src/auth/bootstrap";
import { deleteTenantRows } from "../../../src/db/tenants";
import worker from "../../../src/index";
import { BASE, basic, call, callJson, countEverywhere, db, seedUser, shardDb, shardOf, upload } from "../../helpers";

/**
 * Tenant lifecycle: nothing is committed into a deleted tenant, ids are not reused early, and
 * creation is all or nothing.
 */
let platformAdmin: string;
beforeAll(async () => {
  platformAdmin = await seedUser("management", "root");
});

// Without Accept: a POST or PUT answers with an empty body (docs/api.md#media-types).
const json = (method: string, path: string, auth: string, body?: unknown) => callJson(method, path, auth, body, false);

/** A POST /inventory/binaries whose body stops after `head` until `release()` is called. */
function stalledUpload(auth: string, head: string, rest: string) {
  const boundary = "STALL";
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const enc = new TextEncoder();
  let sent = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sent) {
        sent = true;
        return controller.enqueue(enc.encode(head.replaceAll("{B}", boundary)));
      }
      await gate;
      controller.enqueue(enc.encode(rest.replaceAll("{B}", boundary)));
      controller.close();
    },
  });
  const response = call("/inventory/binaries", {
    method: "POST",
    body,
    headers: {
      Authorization: auth,
      "Content-Type": `multipart/form-data; boundary=${boundary}`,
      Accept: "application/json",
    },
  });
  return { response, release };
}
// The file part comes first (as the official client sends it) and ends; the body then stalls inside the object part.
// 300 KB of file, so the server's reads (at least 256 KiB at a time) reach the end of the file part before the stall.
const FILE_HEAD = 'Content-Disposition: form-data; name="file"; filename="s.bin"\r\nContent-Type: text/plain';
const OBJECT_HEAD = 'Content-Disposition: form-data; name="object"';
const FILE_BYTES = "s".repeat(300_000);
const FILE_PART = `--{B}\r\n${FILE_HEAD}\r\n\r\n${FILE_BYTES}\r\n--{B}\r\n${OBJECT_HEAD}\r\n\r\n{"name":"s.bin",`;
const OBJECT_PART = '"type":"t"}\r\n--{B}--\r\n';

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}
const objectsUnder = async (prefix: string) => (await env.BUCKET.list({ prefix })).objects.length;

describe("uploads and deleted tenants", () => {
  it("an upload in flight when its tenant is deleted commits nothing and leaves no bytes", async () => {
    const user = await seedUser("gone1", "uploader");
    const { response, release } = stalledUpload(user, FILE_PART, OBJECT_PART);
    await until(async () => (await objectsUnder("gone1/")) > 0);
    expect((await json("DELETE", "/tenant/tenants/gone1", platformAdmin)).status).toBe(204);
    release();
    expect((await response).status).toBe(404);
    expect(await countEverywhere("SELECT COUNT(*) AS n FROM binaries WHERE tenant = 'gone1'")).toBe(0);
    expect(await objectsUnder("gone1/")).toBe(0);
  });

  it("nor into a tenant created anew with the same id while the upload ran", async () => {
    const user = await seedUser("gone2", "uploader");
    const { response, release } = stalledUpload(user, FILE_PART, OBJECT_PART);
    await until(async () => (await objectsUnder("gone2/")) > 0);
    await deleteTenantRows(await shardDb("gone2"), "gone2");
    // Created anew after the id's rest (two minutes), i.e. well after the upload began.
    await (await shardOf("gone2")).d1
      .prepare("INSERT INTO tenants (id, creation_time) VALUES ('gone2', ?)")
      .bind(new Date(Date.now() + 120_000).toISOString())
      .run();
    release();
    expect((await response).status).toBe(404);
    expect(
      await (await shardOf("gone2")).d1.prepare("SELECT COUNT(*) AS n FROM binaries WHERE tenant = 'gone2'").first("n"),
    ).toBe(0);
  });

  it("a login cached before its tenant was deleted can neither upload nor see anything", async () => {
    const user = await seedUser("gone3", "cached");
    await upload(user, "before.bin", "b"); // the login is now cached in this isolate
    await deleteTenantRows(await shardDb("gone3"), "gone3"); // as another isolate would: the cache here is not told
    const res = await call("/inventory/binaries", {
      method: "POST",
      body: (() => {
        const f = new FormData();
        f.append("object", '{"name":"a","type":"t"}');
        f.append("file", new Blob(["x"]));
        return f;
      })(),
      headers: { Authorization: user },
    });
    expect(res.status).toBe(404);
    expect(
      await (await shardOf("gone3")).d1.prepare("SELECT COUNT(*) AS n FROM binaries WHERE tenant = 'gone3'").first("n"),
    ).toBe(0);
    expect(
      (await (await call("/inventory/binaries", { headers: { Authorization: user } })).json<any>()).managedObjects,
    ).toEqual([]);
  });
});

describe("cached logins of a deleted tenant", () => {
  it("are refused (401) once re-checked against D1, in every isolate", async () => {
    const user = await seedUser("gone4", "cached");
    // Another isolate's view: its cache is not told of the delete; re-checks run on every request here.
    const isolate = { ...env, AUTH_RECHECK_SECONDS: "0" };
    const get = async () => {
      const ctx = createExecutionContext();
      const res = await worker.fetch(
        new Request(`${BASE}/inventory/binaries`, { headers: { Authorization: user } }),
        isolate,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return res.status;
    };
    expect(await get()).toBe(200);
    await deleteTenantRows(await shardDb("gone4"), "gone4");
    expect(await get()).toBe(401);
  });
});

describe("tenant ids and creation", () => {
  it("concurrent creations of one id: one 201, the rest 409, and only the winner's admin exists", async () => {
    // A warm login, so all requests reach the existence check before any of them hashes its admin's password.
    await json("GET", "/tenant/tenants", platformAdmin);
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        json("POST", "/tenant/tenants", platformAdmin, {
          id: "racy",
          company: "R",
          domain: "r.example",
          adminName: `admin${i}`,
          adminPass: "admin-password-1",
        }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409]);
    expect(
      await (await shardOf("racy")).d1.prepare("SELECT COUNT(*) AS n FROM users WHERE tenant = 'racy'").first("n"),
    ).toBe(1);
  });

  it("a deleted tenant's id is not reused while it rests or while its bytes remain", async () => {
    const body = { id: "reuse", company: "R", domain: "r.example", adminName: "boss", adminPass: "boss-password-1" };
    expect((await json("POST", "/tenant/tenants", platformAdmin, body)).status).toBe(201);
    const boss = basic("reuse/boss", "boss-password-1");
    await upload(boss, "old.bin", "old tenant's bytes");
    expect((await json("DELETE", "/tenant/tenants/reuse", platformAdmin)).status).toBe(204);
    expect((await json("POST", "/tenant/tenants", platformAdmin, body)).status).toBe(409);
    // The rest is over, but a byte of the old tenant is still in R2 (say, its delete failed).
    await env.DB.prepare("UPDATE deleted_tenants SET deleted_at_ms = 0 WHERE id = 'reuse'").run();
    await env.BUCKET.put("reuse/999/1-left-over", "x");
    expect((await json("POST", "/tenant/tenants", platformAdmin, body)).status).toBe(409);
    await env.BUCKET.delete("reuse/999/1-left-over");
    expect((await json("POST", "/tenant/tenants", platformAdmin, body)).status).toBe(201);
    expect(
      (await (await call("/inventory/binaries", { headers: { Authorization: boss } })).json<any>()).managedObjects,
    ).toEqual([]);
  });
});

describe("bootstrap admin", () => {
  const config = {
    BOOTSTRAP_TENANT: "boot",
    BOOTSTRAP_ADMIN_USER: "first",
    BOOTSTRAP_ADMIN_PASSWORD: "first-password",
  };
  // The bootstrap tenant lives in the directory's database (shard 0, binding DB).
  const userCount = () =>
    env.DB.prepare("SELECT COUNT(*) AS n FROM users WHERE tenant = 'boot' AND user_name = 'first'").first("n");

  it("is created once, concurrently by several isolates, and not again after it was deleted", async () => {
    // Each key object stands for a fresh isolate (the once-per-isolate memo is keyed by the binding).
    await Promise.all([ensureBootstrapAdmin(db(), {}, config), ensureBootstrapAdmin(db(), {}, config)]);
    expect(await userCount()).toBe(1);
    await (await shardOf("boot")).d1.prepare("DELETE FROM users WHERE tenant = 'boot' AND user_name = 'first'").run();
    await ensureBootstrapAdmin(db(), {}, config);
    expect(await userCount()).toBe(0);
  });
});
