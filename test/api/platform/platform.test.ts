import { beforeAll, describe, expect, it } from "vitest";
import { BASE, call, seedUser } from "../../helpers";

let admin: string;

beforeAll(async () => {
  admin = await seedUser("t1", "platform-admin");
});

describe("API descriptors", () => {
  it("GET /platform names the collections; the Java SDK derives binaries from inventory.managedObjects", async () => {
    const res = await call("/platform", {
      headers: {
        Authorization: admin,
        Accept: "application/vnd.com.nsn.cumulocity.platformApi+json;charset=UTF-8;ver=0.9",
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe(
      "application/vnd.com.nsn.cumulocity.platformApi+json;charset=UTF-8;ver=0.9",
    );
    const body = await res.json<any>();
    expect(body.self).toBe(`${BASE}/platform`);
    expect(body.inventory.managedObjects.self).toBe(`${BASE}/inventory/managedObjects`);
    expect(body.inventory.managedObjects.self.replace("managedObjects", "binaries")).toBe(`${BASE}/inventory/binaries`);
    expect(body.user.currentUser).toBe(`${BASE}/user/currentUser`);
    expect(body.user.users).toBe(`${BASE}/user/{tenantId}/users`);
    expect(body.tenant.tenants.self).toBe(`${BASE}/tenant/tenants`);
    // Binaries are not published as a collection of their own (as in the reference).
    expect(JSON.stringify(body)).not.toContain("/inventory/binaries");
  });

  it("GET /inventory has self links and URI templates", async () => {
    const res = await call("/inventory", { headers: { Authorization: admin } });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe(
      "application/vnd.com.nsn.cumulocity.inventoryApi+json;charset=UTF-8;ver=0.9",
    );
    expect(await res.json()).toEqual({
      self: `${BASE}/inventory`,
      managedObjects: { self: `${BASE}/inventory/managedObjects`, references: [] },
      managedObjectsForType: `${BASE}/inventory/managedObjects?type={type}`,
      managedObjectsForFragmentType: `${BASE}/inventory/managedObjects?fragmentType={fragmentType}`,
      managedObjectsForListOfIds: `${BASE}/inventory/managedObjects?ids={ids}`,
    });
  });

  it("both need a login and answer 405 to other methods", async () => {
    expect((await call("/platform")).status).toBe(401);
    expect((await call("/inventory")).status).toBe(401);
    const post = await call("/platform", { method: "POST", headers: { Authorization: admin } });
    expect(post.status).toBe(405);
    expect(post.headers.get("Allow")).toBe("GET");
  });
});

describe("GET /tenant/loginOptions", () => {
  it("is public and offers Basic and token login", async () => {
    const res = await call("/tenant/loginOptions");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(
      /^application\/vnd\.com\.nsn\.cumulocity\.loginOptionCollection\+json/,
    );
    const body = await res.json<any>();
    expect(body.self).toBe(`${BASE}/tenant/loginOptions`);
    expect(body.loginOptions).toEqual([
      expect.objectContaining({ type: "BASIC", self: `${BASE}/tenant/loginOptions/basic`, visibleOnLoginPage: true }),
      expect.objectContaining({ type: "OAUTH2_INTERNAL", initRequest: `${BASE}/tenant/oauth`, grantType: "PASSWORD" }),
    ]);
  });

  it("works with credentials too, and other methods are 405", async () => {
    expect((await call("/tenant/loginOptions", { headers: { Authorization: admin } })).status).toBe(200);
    expect((await call("/tenant/loginOptions", { headers: { Authorization: "Basic bm9wZTpub3Bl" } })).status).toBe(200);
    expect((await call("/tenant/loginOptions", { method: "POST" })).status).toBe(405);
  });
});
