import { beforeAll, describe, expect, it } from "vitest";
import { Roles } from "../../../src/c8y/roles";
import { call, seedUser, storeCounts, upload } from "../../helpers";

let admin: string;
beforeAll(async () => {
  admin = await seedUser("t1", "alice");
});

function put(id: string, body: string, auth = admin) {
  return call(`/inventory/managedObjects/${id}`, {
    method: "PUT",
    body,
    headers: { Authorization: auth, "Content-Type": "application/json", Accept: "application/json" },
  });
}

describe("/inventory/managedObjects/{id} for binaries", () => {
  it("GET returns the managed object with self under managedObjects", async () => {
    const mo = await upload(admin, "m.bin", "abc", { c8y_Tag: { v: 1 } });
    const res = await call(`/inventory/managedObjects/${mo.id}`, { headers: { Authorization: admin } });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe(
      "application/vnd.com.nsn.cumulocity.managedObject+json;charset=UTF-8;ver=0.9",
    );
    const body = await res.json<any>();
    expect(body).toEqual({ ...mo, self: `http://example.test/inventory/managedObjects/${mo.id}` });
  });

  it("PUT changes name, type and fragments, removes null fragments, never the bytes' fields", async () => {
    const mo = await upload(admin, "m.bin", "abc", { c8y_Keep: 1, c8y_Drop: 2 });
    const res = await put(
      mo.id,
      JSON.stringify({
        name: "renamed.bin",
        type: "c8y_new",
        c8y_New: { a: true },
        c8y_Drop: null,
        length: 99,
        contentType: "x/y",
        owner: "mallory",
        id: "1",
      }),
    );
    expect(res.status).toBe(200);
    const body = await res.json<any>();
    expect(body).toMatchObject({
      id: mo.id,
      name: "renamed.bin",
      type: "c8y_new",
      c8y_Keep: 1,
      c8y_New: { a: true },
      length: 3,
      contentType: "application/octet-stream",
      owner: "alice",
    });
    expect(body).not.toHaveProperty("c8y_Drop");
    expect(body._attachments).toHaveProperty("renamed.bin");
    expect(body.lastUpdated >= mo.lastUpdated).toBe(true);
    const download = await call(`/inventory/binaries/${mo.id}`, { headers: { Authorization: admin } });
    expect(await download.text()).toBe("abc");
    expect(download.headers.get("Content-Disposition")).toContain("renamed.bin");
  });

  it.each([
    ["not JSON", "{nope", 400],
    ["a JSON array", "[]", 400],
    ["a non-string name", '{"name": 5}', 400],
    ["too large", JSON.stringify({ pad: "x".repeat(70_000) }), 413],
  ])("PUT with a body that is %s is refused and changes nothing", async (_label, body, status) => {
    const mo = await upload(admin, "keep.bin", "abc", { c8y_Keep: 1 });
    const res = await put(mo.id, body);
    expect(res.status).toBe(status);
    expect(res.headers.get("Content-Type")).toMatch(/cumulocity\.error\+json/);
    const after = await (
      await call(`/inventory/managedObjects/${mo.id}`, { headers: { Authorization: admin } })
    ).json<any>();
    expect(after).toEqual({ ...mo, self: after.self });
  });

  it("DELETE removes the binary, bytes included", async () => {
    const mo = await upload(admin, "d.bin", "abc");
    const before = await storeCounts();
    const res = await call(`/inventory/managedObjects/${mo.id}`, {
      method: "DELETE",
      headers: { Authorization: admin },
    });
    expect(res.status).toBe(204);
    expect(await storeCounts()).toEqual({ rows: before.rows - 1, objects: before.objects - 1 });
    expect((await call(`/inventory/binaries/${mo.id}`, { headers: { Authorization: admin } })).status).toBe(404);
  });

  it("owner rules hold here too: a reader may GET, but not PUT or DELETE", async () => {
    const mo = await upload(admin, "r.bin", "abc");
    const reader = await seedUser("t1", "rita", [Roles.inventoryRead]);
    expect((await call(`/inventory/managedObjects/${mo.id}`, { headers: { Authorization: reader } })).status).toBe(200);
    expect((await put(mo.id, '{"name":"x"}', reader)).status).toBe(403);
    expect(
      (await call(`/inventory/managedObjects/${mo.id}`, { method: "DELETE", headers: { Authorization: reader } }))
        .status,
    ).toBe(403);
  });

  it("404 for unknown and non-numeric ids", async () => {
    expect((await call("/inventory/managedObjects/999999", { headers: { Authorization: admin } })).status).toBe(404);
    expect((await call("/inventory/managedObjects/abc", { headers: { Authorization: admin } })).status).toBe(404);
  });
});
