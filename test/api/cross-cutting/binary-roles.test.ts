import { beforeAll, describe, expect, it } from "vitest";
import { Roles } from "../../../src/c8y/roles";
import { BASE, call, seedUser, upload } from "../../helpers";
import { BINARY_ACCESS, request } from "./binary-access";

/**
 * ROLE_BINARY_READ / CREATE / ADMIN (platform 10.18+, docs/api.md#tenants-users-roles): listed, grantable through
 * the users API (only downwards), and on binaries exactly what the inventory role of the same level
 * allows. Every cell runs with both roles and must give the same, expected status.
 */

const levels = {
  read: [Roles.inventoryRead, Roles.binaryRead],
  create: [Roles.inventoryCreate, Roles.binaryCreate],
  admin: [Roles.inventoryAdmin, Roles.binaryAdmin],
} as const;
type Level = keyof typeof levels;

const auth: Record<string, string> = {};
let admin: string;
let uploader: string;

beforeAll(async () => {
  for (const roles of Object.values(levels)) for (const role of roles) auth[role] = await seedUser("br", role, [role]);
  admin = await seedUser("br", "boss");
  uploader = await seedUser("br", "someone");
});

function post(authorization: string): Promise<Response> {
  const form = new FormData();
  form.append("object", '{"name":"p.bin","type":"c8y_Firmware"}');
  form.append("file", new Blob(["x"]), "p.bin");
  return call("/inventory/binaries", {
    method: "POST",
    body: form,
    headers: { Authorization: authorization, Accept: "application/json" },
  });
}

// On another user's binary, each level as the authorisation matrix's inventory role of that level (none, READ,
// CREATE, ADMIN: the levels are columns 1-3).
const cells = Object.entries(BINARY_ACCESS).flatMap(([endpoint, byTarget]) =>
  (Object.keys(levels) as Level[]).map((level, i) => [endpoint, level, byTarget.other[i + 1]!] as const),
);

describe("binary roles act like the inventory roles of the same level", () => {
  it.each(cells)("%s on another user's binary with %s", async (endpoint, level, status) => {
    for (const role of levels[level]) {
      const { id } = await upload(uploader, "other.bin", "others' bytes");
      const res = await request(endpoint, id, auth[role]!);
      expect(res.status, role).toBe(status);
      await res.arrayBuffer();
    }
  });

  it.each(Object.keys(levels) as Level[])("upload, own binaries and the list with %s", async (level) => {
    const theirs = await upload(uploader, "theirs.bin", "theirs");
    for (const role of levels[level]) {
      const created = await post(auth[role]!);
      expect(created.status, role).toBe(level === "read" ? 403 : 201);
      const listed = await call(`/inventory/binaries?ids=${theirs.id}`, { headers: { Authorization: auth[role]! } });
      const seen = (await listed.json<any>()).managedObjects.map((m: any) => m.id);
      expect(seen, role).toEqual(level === "create" ? [] : [theirs.id]);
      if (level === "read") continue;
      // CREATE and ADMIN manage their own: replace and delete.
      const mine = await created.json<{ id: string }>();
      expect((await request("PUT /inventory/binaries/{id}", mine.id, auth[role]!)).status, role).toBe(201);
      expect((await request("DELETE /inventory/binaries/{id}", mine.id, auth[role]!)).status, role).toBe(204);
    }
  });

  it("a resumable upload may be created with ROLE_BINARY_CREATE, not with ROLE_BINARY_READ", async () => {
    const create = (role: string) =>
      call("/inventory/binaries/uploads", {
        method: "POST",
        headers: {
          Authorization: auth[role]!,
          "Tus-Resumable": "1.0.0",
          "Upload-Length": "3",
          "Upload-Metadata": `filename ${btoa("r.bin")}`,
        },
      });
    expect((await create(Roles.binaryCreate)).status).toBe(201);
    expect((await create(Roles.binaryRead)).status).toBe(403);
  });
});

describe("binary roles in the users API", () => {
  const ref = (role: string) => JSON.stringify({ role: { self: `${BASE}/user/roles/${role}` } });
  const grant = (by: string, user: string, role: string) =>
    call(`/user/br/users/${user}/roles`, {
      method: "POST",
      body: ref(role),
      headers: { Authorization: by, "Content-Type": "application/json", Accept: "application/json" },
    });

  it("GET /user/roles lists them and the first admin holds them", async () => {
    const res = await call("/user/roles?pageSize=100", { headers: { Authorization: admin } });
    const ids = (await res.json<any>()).roles.map((r: any) => r.id);
    expect(ids).toEqual(expect.arrayContaining([Roles.binaryRead, Roles.binaryCreate, Roles.binaryAdmin]));
  });

  it("granted over HTTP they take effect; a user admin without ROLE_BINARY_ADMIN cannot hand it out", async () => {
    const reader = await seedUser("br", "newreader", []);
    const { id } = await upload(uploader, "granted.bin", "granted bytes");
    expect((await call(`/inventory/binaries/${id}`, { headers: { Authorization: reader } })).status).toBe(403);
    const granted = await grant(admin, "newreader", Roles.binaryRead);
    expect(granted.status).toBe(201);
    expect((await granted.json<any>()).role.id).toBe(Roles.binaryRead);
    const got = await call(`/inventory/binaries/${id}`, { headers: { Authorization: reader } });
    expect(got.status).toBe(200);
    expect(await got.text()).toBe("granted bytes");

    const userAdmin = await seedUser("br", "useradmin", [Roles.userManagementAdmin, Roles.binaryRead]);
    await seedUser("br", "target", []);
    expect((await grant(userAdmin, "target", Roles.binaryAdmin)).status).toBe(403);
    expect((await grant(userAdmin, "target", Roles.binaryRead)).status).toBe(201);
  });
});
