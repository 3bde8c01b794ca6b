import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { readConfig } from "../../../src/config";
import { appendToResumable, createResumable } from "../../../src/resumable/service";
import { call, db, randomBytes, seedUser, TUS, tusPatch, upload } from "../../helpers";

/**
 * Issue 21, finding 4: a resumable replace racing a PUT replace or a DELETE of the same binary never
 * leaves a row whose bytes are gone, nor bytes no row references. Completion goes through the
 * binaries service's one guarded write (commitReplace), as PUT does.
 */
const MIB = 1024 * 1024;
let alice: string;
const principal = { tenant: "race21", userName: "alice", userId: "", roles: new Set(["ROLE_INVENTORY_ADMIN"]) };

beforeAll(async () => {
  alice = await seedUser("race21", "alice");
  principal.userId = (await env.DB.prepare("SELECT uid FROM users WHERE tenant = 'race21'").first<string>("uid"))!;
});

/** Each case starts from a tenant with no binaries and no bytes. */
async function clean() {
  await env.DB.prepare("DELETE FROM binaries WHERE tenant = 'race21'").run();
  const left = (await env.BUCKET.list({ prefix: "race21/" })).objects.map((o) => o.key);
  if (left.length > 0) await env.BUCKET.delete(left);
}
afterEach(clean);

/** The binary's row key, and the objects under the tenant's prefix. */
async function state(id: string) {
  const row = await env.DB.prepare("SELECT r2_key FROM binaries WHERE id = ?")
    .bind(Number(id))
    .first<{ r2_key: string }>();
  const objects = (await env.BUCKET.list({ prefix: "race21/" })).objects.map((o) => o.key);
  return { key: row?.r2_key, objects };
}

/** The invariant: a row points at bytes that exist and nothing else is left; no row, no bytes. */
async function expectConsistent(id: string) {
  const { key, objects } = await state(id);
  expect(objects).toEqual(key === undefined ? [] : [key]);
  const download = await call(`/inventory/binaries/${id}`, { headers: { Authorization: alice } });
  expect(download.status).toBe(key === undefined ? 404 : 200);
  await download.body?.cancel();
}

/**
 * A bucket that runs `interfere` once, at the moment the upload's bytes are complete in R2 and the
 * row is about to switch to them (finish() reads the completed object back with `head`).
 */
function interferingBucket(interfere: () => Promise<void>): R2Bucket {
  let done = false;
  return new Proxy(env.BUCKET, {
    get(target, prop, receiver) {
      if (prop === "head")
        return async (key: string) => {
          if (!done) {
            done = true;
            await interfere();
          }
          return target.head(key);
        };
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function resumableReplace(id: string, bytes: Uint8Array, interfere: () => Promise<void>) {
  const stores = { db: db(), bucket: interferingBucket(interfere), config: readConfig(env) };
  const nowMs = Date.now();
  const created = await createResumable(stores, principal, {
    length: bytes.length,
    intent: { fragments: {}, binaryId: Number(id) },
    rawMetadata: undefined,
    ifMatch: undefined,
    wantSha256: false,
    nowMs,
  });
  return appendToResumable(stores, principal, created.id, {
    offset: 0,
    body: new Blob([bytes]).stream(),
    contentLength: bytes.length,
    declaredLength: undefined,
    complete: false,
    checksum: undefined,
    nowMs,
  });
}

describe("a resumable replace completing while the binary changes", () => {
  it("a PUT replace lands between the bytes and the row switch: last writer wins, nothing leaks", async () => {
    const mo = await upload(alice, "r.bin", "start");
    const bytes = randomBytes(1000, 7);
    const outcome = await resumableReplace(mo.id, bytes, async () => {
      const put = await call(`/inventory/binaries/${mo.id}`, {
        method: "PUT",
        body: "put bytes",
        headers: { Authorization: alice, "Content-Type": "text/plain" },
      });
      expect(put.status).toBe(201);
    });
    expect(outcome.binary?.revpos).toBe(3);
    await expectConsistent(mo.id);
    const download = await call(`/inventory/binaries/${mo.id}`, { headers: { Authorization: alice } });
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(bytes);
  });

  it("a DELETE lands between the bytes and the row switch: 404, and the upload's bytes are gone", async () => {
    const mo = await upload(alice, "d.bin", "start");
    const attempt = resumableReplace(mo.id, randomBytes(1000, 8), async () => {
      const res = await call(`/inventory/binaries/${mo.id}`, { method: "DELETE", headers: { Authorization: alice } });
      expect(res.status).toBe(204);
    });
    await expect(attempt).rejects.toMatchObject({ status: 404 });
    await expectConsistent(mo.id);
  });

  it("4 rounds each of a tus replace racing a PUT and a DELETE over HTTP: always consistent", async () => {
    for (const size of [1000, 6 * MIB]) {
      for (let round = 0; round < 4; round++) {
        for (const rival of ["PUT", "DELETE"] as const) {
          const mo = await upload(alice, "x.bin", "start");
          const created = await call("/inventory/binaries/uploads", {
            method: "POST",
            headers: {
              Authorization: alice,
              ...TUS,
              "Upload-Length": String(size),
              "Upload-Metadata": `binaryId ${btoa(mo.id)}`,
            },
          });
          const path = new URL(created.headers.get("Location")!).pathname;
          const bytes = randomBytes(size, round);
          const [tus, other] = await Promise.all([
            tusPatch(path, alice, bytes, size),
            call(`/inventory/binaries/${mo.id}`, {
              method: rival,
              body: rival === "PUT" ? "put bytes" : undefined,
              headers: { Authorization: alice, "Content-Type": "text/plain" },
            }),
          ]);
          expect([204, 404]).toContain(tus.status);
          expect([201, 204, 404]).toContain(other.status);
          await expectConsistent(mo.id);
          await clean();
        }
      }
    }
  });
});
