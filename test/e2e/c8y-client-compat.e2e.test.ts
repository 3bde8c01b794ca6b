/// <reference types="node" />
/**
 * The official @c8y/client against `wrangler dev` beyond binaries: user.current() (GET
 * /user/currentUser with the user media type), inventory.list({fragmentType: 'c8y_IsBinary'}) and
 * inventory.count() (the managed object collection), inventory.detail() with its reference
 * collections, and a browser-style CORS preflight over a real socket.
 */
import { Client } from "@c8y/client";
import { beforeAll, describe, expect, inject, it } from "vitest";

const baseUrl = inject("baseUrl");
const credentials = { tenant: "management", user: "admin", password: "admin" };

describe("@c8y/client: current user and the inventory", () => {
  let client: Client;
  const ids: string[] = [];

  beforeAll(async () => {
    client = await Client.authenticate(credentials, baseUrl);
    for (const name of ["compat-a.bin", "compat-b.bin", "compat-c.bin"]) {
      const { data } = await client.inventoryBinary.create(Buffer.from(name), { name, type: "e2e_compat" });
      ids.push(String(data.id));
    }
  });

  it("user.current() and currentWithEffectiveRoles()", async () => {
    const { res, data } = await client.user.current();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/vnd\.com\.nsn\.cumulocity\.user\+json/);
    expect(data).toMatchObject({ userName: "admin", id: "admin", enabled: true });
    const roles = await client.user.currentWithEffectiveRoles();
    expect(roles.data.effectiveRoles?.map((role) => role.id)).toContain("ROLE_INVENTORY_ADMIN");
  });

  it("inventory.list({ fragmentType: 'c8y_IsBinary' }) pages through the binaries; count() agrees", async () => {
    const seen: string[] = [];
    let page = await client.inventory.list({ fragmentType: "c8y_IsBinary", type: "e2e_compat", pageSize: 2 });
    for (;;) {
      expect(page.res.status).toBe(200);
      seen.push(...page.data.map((mo) => String(mo.id)));
      if (!page.paging?.nextPage) break;
      page = await page.paging.next();
    }
    expect(seen).toEqual(ids);
    const { data: count } = await client.inventory.count({ fragmentType: "c8y_IsBinary", type: "e2e_compat" });
    expect(count).toBe(3);
    const { data: queried } = await client.inventory.list({ query: "name eq 'compat-b.bin'" });
    expect(queried.map((mo) => String(mo.id))).toEqual([ids[1]]);
  });

  it("inventory.detail() carries the reference collections", async () => {
    const { data } = await client.inventory.detail(ids[0]!);
    expect(data.childAdditions).toEqual({
      self: `${baseUrl}/inventory/managedObjects/${ids[0]}/childAdditions`,
      references: [],
    });
    expect(data.c8y_IsBinary).toBe("");
  });
});

describe("CORS over HTTP", () => {
  it("a preflight is answered without credentials; the real request exposes Location", async () => {
    const origin = "http://app.example.com";
    const preflight = await fetch(`${baseUrl}/inventory/binaries`, {
      method: "OPTIONS",
      headers: {
        Origin: origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,usexbasic",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-headers")).toMatch(/UseXBasic/);
    const denied = await fetch(`${baseUrl}/inventory/binaries`, { headers: { Origin: origin, UseXBasic: "true" } });
    expect(denied.status).toBe(401);
    expect(denied.headers.get("access-control-allow-origin")).toBe("*");
    expect(denied.headers.get("www-authenticate")).toMatch(/^XBasic/);
    expect(denied.headers.get("access-control-expose-headers")).toMatch(/Location/);
  });
});
