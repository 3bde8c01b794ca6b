import { beforeAll, describe, expect, it } from "vitest";
import { Roles } from "../../../src/c8y/roles";
import { call, multipartBody, seedUser, upload } from "../../helpers";

let admin: string;
let platformAdmin: string;

beforeAll(async () => {
  admin = await seedUser("t1", "acc-admin");
  platformAdmin = await seedUser("management", "acc-root");
});

/** Cumulocity: with an Accept header (any) POST and PUT return the object; without one the body is empty. */
const ACCEPTS: (string | undefined)[] = [
  undefined,
  "*/*",
  "application/json",
  "application/vnd.com.nsn.cumulocity.managedObject+json",
  "text/plain",
];

let counter = 0;

/** Each write the API has, as a function of the Accept header; returns the response and the expected status. */
const writes: Record<string, (accept: string | undefined) => Promise<[Response, number]>> = {
  "POST /inventory/binaries": async (accept) => {
    const { body, contentType } = multipartBody([
      { name: "object", value: JSON.stringify({ name: "a.txt", type: "t" }) },
      { name: "file", value: "abc", filename: "a.txt" },
    ]);
    const headers: Record<string, string> = { Authorization: admin, "Content-Type": contentType };
    if (accept !== undefined) headers.Accept = accept;
    return [await call("/inventory/binaries", { method: "POST", body, headers }), 201];
  },
  "PUT /inventory/binaries/{id}": async (accept) => {
    const mo = await upload(admin, "r.bin", "old");
    const headers: Record<string, string> = { Authorization: admin, "Content-Type": "text/plain" };
    if (accept !== undefined) headers.Accept = accept;
    return [await call(`/inventory/binaries/${mo.id}`, { method: "PUT", body: "new", headers }), 201];
  },
  "PUT /inventory/managedObjects/{id}": async (accept) => {
    const mo = await upload(admin, "m.bin", "x");
    return [await json("PUT", `/inventory/managedObjects/${mo.id}`, admin, accept, { c8y_Note: 1 }), 200];
  },
  "POST /user/{tenant}/users": async (accept) => {
    const user = { userName: `acc-user-${++counter}`, password: "acc-password" };
    return [await json("POST", "/user/t1/users", admin, accept, user), 201];
  },
  "PUT /user/{tenant}/users/{userName}": async (accept) => {
    await seedUser("t1", "acc-target");
    return [await json("PUT", "/user/t1/users/acc-target", admin, accept, { email: "a@example.com" }), 200];
  },
  "POST /user/{tenant}/users/{userName}/roles": async (accept) => {
    await seedUser("t1", "acc-role-target", []);
    const body = { role: { id: Roles.inventoryRead } };
    return [await json("POST", "/user/t1/users/acc-role-target/roles", admin, accept, body), 201];
  },
  "POST /tenant/tenants": async (accept) => {
    const n = ++counter;
    const body = {
      id: `acc${n}`,
      company: "C",
      domain: `acc${n}.example.com`,
      adminName: "a",
      adminPass: "a-password",
    };
    return [await json("POST", "/tenant/tenants", platformAdmin, accept, body), 201];
  },
  "PUT /user/currentUser": async (accept) => [
    await json("PUT", "/user/currentUser", admin, accept, { firstName: "A" }),
    200,
  ],
};

function json(method: string, path: string, auth: string, accept: string | undefined, body: unknown) {
  const headers: Record<string, string> = { Authorization: auth, "Content-Type": "application/json" };
  if (accept !== undefined) headers.Accept = accept;
  return call(path, { method, headers, body: JSON.stringify(body) });
}

describe("the Accept rule on every POST and PUT", () => {
  for (const [name, write] of Object.entries(writes)) {
    it(`${name}: the object with any Accept header, an empty body without one`, async () => {
      for (const accept of ACCEPTS) {
        const [res, status] = await write(accept);
        expect(res.status, `${name} Accept: ${accept}`).toBe(status);
        const text = await res.text();
        if (accept === undefined) {
          expect(text, `${name} without Accept`).toBe("");
        } else {
          expect(JSON.parse(text), `${name} Accept: ${accept}`).toHaveProperty("self");
          expect(res.headers.get("Content-Type")).toMatch(/^application\/vnd\.com\.nsn\.cumulocity\./);
        }
      }
    });
  }

  it("an empty body still carries Location on creation", async () => {
    const [res] = await writes["POST /user/{tenant}/users"]!(undefined);
    expect(res.headers.get("Location")).toMatch(/\/user\/t1\/users\/acc-user-\d+$/);
    const [upload] = await writes["POST /inventory/binaries"]!(undefined);
    expect(upload.headers.get("Location")).toMatch(/\/inventory\/binaries\/\d+$/);
  });
});
