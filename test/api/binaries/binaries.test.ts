import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { Roles } from "../../../src/c8y/roles";
import {
  call,
  chunkedStream,
  digestOf,
  md5Base64,
  r2KeyOf,
  randomBytes,
  seedUser,
  storeCounts,
  upload,
} from "../../helpers";

let admin: string;
let other: string;
beforeAll(async () => {
  admin = await seedUser("t1", "alice");
  other = await seedUser("t2", "bob");
});

const get = (path: string, auth = admin, headers: Record<string, string> = {}) =>
  call(path, { headers: { Authorization: auth, ...headers } });

describe("GET /inventory/binaries/{id}", () => {
  it("streams the bytes with type, length, disposition, ETag and Last-Modified", async () => {
    const bytes = randomBytes(1234);
    const mo = await upload(admin, "report.pdf", bytes);
    const res = await get(`/inventory/binaries/${mo.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("application/octet-stream");
    expect(res.headers.get("Content-Length")).toBe("1234");
    expect(res.headers.get("Content-Disposition")).toBe('attachment; filename="report.pdf"');
    expect(res.headers.get("ETag")).toBe(`"${await md5Base64(bytes)}"`);
    expect(res.headers.get("Last-Modified")).toBe(new Date(mo.lastUpdated).toUTCString());
    expect(res.headers.get("Accept-Ranges")).toBe("bytes");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
  });

  it("encodes non-ASCII and hostile file names", async () => {
    const mo = await upload(admin, 'Grüße "x"\\\r\n.txt', "hi");
    const res = await get(`/inventory/binaries/${mo.id}`);
    const header = res.headers.get("Content-Disposition")!;
    expect(header).toBe(
      `attachment; filename="Gr__e _x____.txt"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%22x%22%5C%0D%0A.txt`,
    );
    await res.arrayBuffer();
  });

  it.each(["abc", "12x", "-1", "1.5", "99999999"])("404 in the error shape for id %s", async (id) => {
    const res = await get(`/inventory/binaries/${id}`);
    expect(res.status).toBe(404);
    expect(res.headers.get("Content-Type")).toMatch(/cumulocity\.error\+json/);
    expect(await res.json()).toMatchObject({ error: "inventory/Not Found" });
  });

  it("404 for another tenant's binary, on every method", async () => {
    const mo = await upload(other, "theirs.bin", "secret");
    for (const method of ["GET", "PUT", "DELETE"]) {
      const res = await call(`/inventory/binaries/${mo.id}`, {
        method,
        headers: { Authorization: admin },
        body: method === "PUT" ? "x" : undefined,
      });
      expect(res.status, method).toBe(404);
    }
    for (const method of ["GET", "PUT", "DELETE"]) {
      const res = await call(`/inventory/managedObjects/${mo.id}`, {
        method,
        headers: { Authorization: admin },
        body: method === "PUT" ? "{}" : undefined,
      });
      expect(res.status, method).toBe(404);
    }
    expect((await get(`/inventory/binaries/${mo.id}`, other)).status).toBe(200);
  });
});

describe("PUT /inventory/binaries/{id}", () => {
  it("replaces the bytes and bumps revpos; name, type and fragments stay; the old object is gone", async () => {
    const mo = await upload(admin, "fw.bin", "version one", { c8y_Firmware: { version: "1" } }, "c8y_fw");
    const oldKey = await r2KeyOf("t1", mo.id);
    const next = randomBytes(4096, 4);
    const res = await call(`/inventory/binaries/${mo.id}`, {
      method: "PUT",
      body: next,
      headers: { Authorization: admin, "Content-Type": "application/x-firmware", Accept: "application/json" },
    });
    expect(res.status).toBe(201);
    const updated = await res.json<Record<string, any>>();
    expect(updated).toMatchObject({
      id: mo.id,
      name: "fw.bin",
      type: "c8y_fw",
      c8y_Firmware: { version: "1" },
      length: 4096,
      contentType: "application/x-firmware",
    });
    expect(updated._attachments["fw.bin"]).toMatchObject({
      revpos: 2,
      length: 4096,
      digest: `md5-${await md5Base64(next)}`,
    });
    expect(updated.creationTime).toBe(mo.creationTime);
    const download = await get(`/inventory/binaries/${mo.id}`);
    expect(download.headers.get("Content-Type")).toBe("application/x-firmware");
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(next);
    const newKey = await r2KeyOf("t1", mo.id);
    expect(newKey).not.toBe(oldKey);
    expect(await env.BUCKET.head(oldKey)).toBeNull();
    expect(await env.BUCKET.head(newKey)).not.toBeNull();
  });

  it("accepts a chunked body, large enough for the multipart path", async () => {
    const mo = await upload(admin, "big.bin", "small");
    const bytes = randomBytes(6 * 1024 * 1024 + 5, 8);
    const res = await call(`/inventory/binaries/${mo.id}`, {
      method: "PUT",
      body: chunkedStream(bytes, 256 * 1024),
      headers: { Authorization: admin, "Content-Type": "application/zip", Accept: "application/json" },
    });
    expect(res.status).toBe(201);
    const updated = await res.json<Record<string, any>>();
    expect(updated.length).toBe(bytes.length);
    const md5 = await md5Base64(bytes);
    expect(updated._attachments["big.bin"].digest).toBe(`md5-${md5}`);
    expect(await digestOf(await get(`/inventory/binaries/${mo.id}`))).toEqual({ length: bytes.length, md5 });
  });

  it("a Content-Length above SINGLE_PUT_MAX_BYTES (6 MiB in tests) takes the multipart path, intact", async () => {
    const mo = await upload(admin, "long.bin", "small");
    const bytes = randomBytes(7 * 1024 * 1024, 9);
    const res = await call(`/inventory/binaries/${mo.id}`, {
      method: "PUT",
      body: bytes,
      headers: { Authorization: admin, "Content-Type": "application/zip", Accept: "application/json" },
    });
    expect(res.status).toBe(201);
    const md5 = await md5Base64(bytes);
    expect((await res.json<Record<string, any>>())._attachments["long.bin"]).toMatchObject({
      length: bytes.length,
      digest: `md5-${md5}`,
    });
    expect((await env.BUCKET.head(await r2KeyOf("t1", mo.id)))!.checksums.md5).toBeUndefined();
    expect(await digestOf(await get(`/inventory/binaries/${mo.id}`))).toEqual({ length: bytes.length, md5 });
  });

  it("without an Accept for JSON answers 201 with no body", async () => {
    const mo = await upload(admin, "a.bin", "a");
    const res = await call(`/inventory/binaries/${mo.id}`, {
      method: "PUT",
      body: "bb",
      headers: { Authorization: admin },
    });
    expect(res.status).toBe(201);
    expect(await res.text()).toBe("");
    expect((await (await get(`/inventory/managedObjects/${mo.id}`)).json<any>()).contentType).toBe(
      "text/plain;charset=UTF-8",
    );
  });

  it("403 for a user who neither owns it nor is ADMIN; nothing changes", async () => {
    const mo = await upload(admin, "mine.bin", "mine");
    const creator = await seedUser("t1", "carol", [Roles.inventoryCreate, Roles.inventoryRead]);
    const before = await storeCounts();
    const res = await call(`/inventory/binaries/${mo.id}`, {
      method: "PUT",
      body: "theirs",
      headers: { Authorization: creator },
    });
    expect(res.status).toBe(403);
    expect(await storeCounts()).toEqual(before);
    expect(await (await get(`/inventory/binaries/${mo.id}`)).text()).toBe("mine");
  });
});

describe("DELETE /inventory/binaries/{id}", () => {
  it("removes the row and the bytes; afterwards 404", async () => {
    const mo = await upload(admin, "gone.bin", "bye");
    const key = await r2KeyOf("t1", mo.id);
    const res = await call(`/inventory/binaries/${mo.id}`, { method: "DELETE", headers: { Authorization: admin } });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    expect((await get(`/inventory/binaries/${mo.id}`)).status).toBe(404);
    expect(await env.BUCKET.head(key)).toBeNull();
  });
});

describe("errors for routes and methods", () => {
  it("unknown routes answer 404 in the error shape", async () => {
    const res = await get("/nope");
    expect(res.status).toBe(404);
    expect(res.headers.get("Content-Type")).toMatch(/cumulocity\.error\+json/);
    expect(await res.json()).toHaveProperty("error");
  });

  it.each([
    ["PATCH", "/inventory/binaries"],
    ["DELETE", "/inventory/binaries"],
    ["POST", "/inventory/binaries/123"],
    ["POST", "/inventory/managedObjects/123"],
    ["POST", "/tenant/currentTenant"],
  ])("%s %s is 405 with Allow", async (method, path) => {
    const res = await call(path, { method, headers: { Authorization: admin } });
    expect(res.status).toBe(405);
    expect(res.headers.get("Allow")).toBeTruthy();
    expect(await res.json()).toMatchObject({ error: "general/Method Not Allowed" });
  });

  it("GET /tenant/currentTenant names the caller's tenant", async () => {
    const res = await get("/tenant/currentTenant", other);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: "t2" });
  });
});
