import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../../src/db/client";
import { sweepResumables } from "../../../src/resumable/service";
import { basic, call, callJson, countEverywhere, seedUser, TUS, TUS_OCTETS, topology, upload } from "../../helpers";

/**
 * Issue 21, findings 1, 2 and 5: an open resumable upload belongs to the user who created it (not
 * to a later user of the same name, not to a later tenant of the same id), and every request on it
 * needs the rights its creation needed.
 */
const OCTETS = TUS_OCTETS;
let platformAdmin: string;
let t1Admin: string;

beforeAll(async () => {
  platformAdmin = await seedUser("management", "root");
  t1Admin = await seedUser("t1", "alice");
});

const b64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));
const json = callJson;

/** Opens a tus upload of 10 bytes and sends the first 4; returns its path. */
async function openUpload(auth: string, metadata = `filename ${b64("private-plans.txt")}`): Promise<string> {
  const res = await call("/inventory/binaries/uploads", {
    method: "POST",
    headers: {
      Authorization: auth,
      ...TUS,
      "Upload-Length": "10",
      "Upload-Metadata": metadata,
      "Content-Type": OCTETS,
      "Content-Length": "4",
    },
    body: new TextEncoder().encode("SECR"),
  });
  expect(res.status).toBe(201);
  return new URL(res.headers.get("Location")!).pathname;
}

const head = (path: string, auth: string) => call(path, { method: "HEAD", headers: { Authorization: auth, ...TUS } });
const list = async (auth: string) =>
  (await (await call("/inventory/binaries/uploads", { headers: { Authorization: auth } })).json<any>()).uploads;
const finish = (path: string, auth: string) =>
  call(path, {
    method: "PATCH",
    headers: { Authorization: auth, ...TUS, "Content-Type": OCTETS, "Upload-Offset": "4", "Content-Length": "6" },
    body: new TextEncoder().encode("ET!!!!"),
  });

/** What a user who must not own `path` sees of it: nothing. */
async function expectInvisible(path: string, auth: string) {
  expect(await list(auth)).toEqual([]);
  expect((await head(path, auth)).status).toBe(404);
  expect((await finish(path, auth)).status).toBe(404);
  expect((await call(path, { method: "DELETE", headers: { Authorization: auth, ...TUS } })).status).toBe(404);
}

describe("an upload belongs to its user, not to the name", () => {
  it("a user deleted and created again under the same name does not inherit the old user's upload", async () => {
    const dave = { userName: "dave", password: "dave-password-1" };
    expect((await json("POST", "/user/t1/users", t1Admin, dave)).status).toBe(201);
    await json("POST", "/user/t1/users/dave/roles", t1Admin, {
      role: { self: "http://example.test/user/roles/ROLE_INVENTORY_CREATE" },
    });
    const oldDave = basic("t1/dave", dave.password);
    const path = await openUpload(oldDave);
    expect(await list(oldDave)).toHaveLength(1);

    expect((await json("DELETE", "/user/t1/users/dave", t1Admin)).status).toBe(204);
    expect((await json("POST", "/user/t1/users", t1Admin, dave)).status).toBe(201);
    await json("POST", "/user/t1/users/dave/roles", t1Admin, {
      role: { self: "http://example.test/user/roles/ROLE_INVENTORY_CREATE" },
    });
    await expectInvisible(path, basic("t1/dave", dave.password));
    // Nothing was completed from the old user's bytes.
    expect(await countEverywhere("SELECT COUNT(*) AS n FROM binaries WHERE name = 'private-plans.txt'")).toBe(0);
  });

  it("a tenant deleted and created again (same id, same admin) does not inherit the old tenant's upload", async () => {
    const body = { id: "again", company: "A", domain: "a.example", adminName: "boss", adminPass: "boss-password-1" };
    expect((await json("POST", "/tenant/tenants", platformAdmin, body)).status).toBe(201);
    const boss = basic("again/boss", "boss-password-1");
    const path = await openUpload(boss);
    expect((await json("DELETE", "/tenant/tenants/again", platformAdmin)).status).toBe(204);
    // The id's rest is over (as if the two minutes had passed).
    await env.DB.prepare("UPDATE deleted_tenants SET deleted_at_ms = 0 WHERE id = 'again'").run();
    // The old upload is still open: the id waits for the sweep, which the delete made due at once
    // (test/api/tenants/tenant-id-reuse-usage.test.ts: its row would otherwise count against the new tenant's usage).
    expect((await json("POST", "/tenant/tenants", platformAdmin, body)).status).toBe(409);
    const region = topology().defaultRegion; // the tenant's region: its shards and its bucket
    const shards = topology()
      .shardsIn(region)
      .map((shard) => createDb(shard.d1));
    await sweepResumables(shards, topology().regions.get(region)!.bucket, Date.now(), 0);
    expect((await json("POST", "/tenant/tenants", platformAdmin, body)).status).toBe(201);
    await expectInvisible(path, boss);
  });

  it("the owner still reaches the upload, and completes it", async () => {
    const carol = await seedUser("t1", "carol");
    const path = await openUpload(carol);
    expect((await head(path, carol)).status).toBe(200);
    expect(await list(carol)).toHaveLength(1);
    expect((await finish(path, carol)).status).toBe(204);
  });
});

describe("rights hold at every request, not only at creation", () => {
  it("a user who loses ROLE_INVENTORY_CREATE can no longer append to or complete its upload", async () => {
    const erin = { userName: "erin", password: "erin-password-1" };
    expect((await json("POST", "/user/t1/users", t1Admin, erin)).status).toBe(201);
    const role = { role: { self: "http://example.test/user/roles/ROLE_INVENTORY_CREATE" } };
    expect((await json("POST", "/user/t1/users/erin/roles", t1Admin, role)).status).toBe(201);
    const auth = basic("t1/erin", erin.password);
    const path = await openUpload(auth);
    expect((await head(path, auth)).status).toBe(200);

    expect((await json("DELETE", "/user/t1/users/erin/roles/ROLE_INVENTORY_CREATE", t1Admin)).status).toBe(204);
    expect((await finish(path, auth)).status).toBe(403);
    expect((await head(path, auth)).status).toBe(403);
    expect(await countEverywhere("SELECT COUNT(*) AS n FROM binaries WHERE owner = 'erin'")).toBe(0);
    // Given the role back, the upload goes on where it stood.
    expect((await json("POST", "/user/t1/users/erin/roles", t1Admin, role)).status).toBe(201);
    expect((await finish(path, auth)).status).toBe(204);
  });

  it("a replace upload needs write access to the binary at completion too", async () => {
    const frank = { userName: "frank", password: "frank-password-1" };
    expect((await json("POST", "/user/t1/users", t1Admin, frank)).status).toBe(201);
    const adminRole = { role: { self: "http://example.test/user/roles/ROLE_INVENTORY_ADMIN" } };
    expect((await json("POST", "/user/t1/users/frank/roles", t1Admin, adminRole)).status).toBe(201);
    const auth = basic("t1/frank", frank.password);
    // alice's binary, which frank may replace only while he is an inventory admin.
    const id = (await upload(t1Admin, "a.bin", "alice's bytes")).id as string;
    const path = await openUpload(auth, `binaryId ${b64(id)}`);
    expect((await json("DELETE", "/user/t1/users/frank/roles/ROLE_INVENTORY_ADMIN", t1Admin)).status).toBe(204);
    expect((await finish(path, auth)).status).toBe(403);
    const download = await call(`/inventory/binaries/${id}`, { headers: { Authorization: t1Admin } });
    expect(await download.text()).toBe("alice's bytes");
  });
});
