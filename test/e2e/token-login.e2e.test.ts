/// <reference types="node" />
/**
 * Token login (docs/api.md#token-login) end to end, against the running service: the official
 * @c8y/client's `Client.authenticateViaOAuthInternal` (Basic header + form with tfa_code=undefined
 * to /tenant/oauth/token, then BearerAuth), a replay of go-c8y-cli's login, and the cookie + XSRF
 * flow over HTTP as a browser does it.
 */

import { createHash } from "node:crypto";
import { BearerAuth, Client, FetchClient } from "@c8y/client";
import { describe, expect, inject, it } from "vitest";
import { randomBytes } from "../bytes";

const baseUrl = inject("baseUrl");
const credentials = { tenant: "management", user: "admin", password: "admin" };
const md5 = (data: Uint8Array) => createHash("md5").update(data).digest("base64");

describe("@c8y/client with token login", () => {
  it("authenticateViaOAuthInternal: list, upload, download, delete; logout ends the token", async () => {
    const client = await Client.authenticateViaOAuthInternal(credentials, baseUrl);
    expect(client.core.tenant).toBe("management");
    const content = Buffer.from(randomBytes(300_000, 18));
    const { res, data } = await client.inventoryBinary.create(content, { name: "token.bin", type: "c8y_Firmware" });
    expect(res.status).toBe(201);
    const id = data.id!;
    const { data: listed } = await client.inventoryBinary.list({ pageSize: 100 });
    expect(listed.map((mo) => mo.id)).toContain(id);
    const body = new Uint8Array(await (await client.inventoryBinary.download(id)).arrayBuffer());
    expect(md5(body)).toBe(md5(content));
    expect((await client.inventoryBinary.delete(id)).res.status).toBe(204);

    // The token came from /tenant/oauth/token and is sent as Bearer; logout (POST /user/logout, {}) ends it.
    const auth = client.core.getFetchOptions({}).headers as Record<string, string>;
    expect(auth.Authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    // BearerAuth.logout() posts exactly this, but through a FetchClient without a base URL (browsers only).
    const out = await client.core.fetch("user/logout", {
      method: "POST",
      body: JSON.stringify({}),
      headers: { "content-type": "application/json", accept: "application/json" },
    });
    expect(out.status).toBe(200);
    const after = await fetch(`${baseUrl}/inventory/binaries`, { headers: { Authorization: auth.Authorization! } });
    expect(after.status).toBe(401);
  });

  it("BearerAuth with a token from /tenant/oauth/token works like Basic", async () => {
    const token = await Client.loginViaOAuthInternal(credentials, true, baseUrl);
    const client = new Client(new BearerAuth(token), baseUrl);
    const content = Buffer.from(randomBytes(1000, 19));
    const { data } = await client.inventoryBinary.create(content, { name: "bearer.bin", type: "c8y_Firmware" });
    const { data: listed } = await client.inventoryBinary.list({ pageSize: 100 });
    expect(listed.map((mo) => mo.id)).toContain(data.id);
    const body = new Uint8Array(await (await client.inventoryBinary.download(data.id!)).arrayBuffer());
    expect(md5(body)).toBe(md5(content));
    expect((await client.inventoryBinary.delete(data.id!)).res.status).toBe(204);
    const core = new FetchClient(new BearerAuth(token), baseUrl);
    expect((await core.fetch("/tenant/currentTenant")).status).toBe(200);
  });
});

describe("go-c8y-cli's login, replayed", () => {
  it("loginOptions, the form with tfa_code=undefined, then GET /tenant/currentTenant with the token", async () => {
    const options = await fetch(`${baseUrl}/tenant/loginOptions`);
    const { loginOptions } = (await options.json()) as { loginOptions: { type: string; initRequest?: string }[] };
    expect(loginOptions.some((option) => option.type === "OAUTH2_INTERNAL")).toBe(true);
    const form = new URLSearchParams({
      grant_type: "PASSWORD",
      username: "admin",
      password: "admin",
      tfa_code: "undefined",
    });
    const login = await fetch(`${baseUrl}/tenant/oauth/token?tenant_id=management`, {
      method: "POST",
      body: form.toString(),
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
    });
    expect(login.status).toBe(200);
    const { access_token: token } = (await login.json()) as { access_token: string };
    const tenant = await fetch(`${baseUrl}/tenant/currentTenant`, {
      headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
    });
    expect(tenant.status).toBe(200);
    expect(await tenant.json()).toMatchObject({ name: "management" });
  });
});

describe("cookie + XSRF over HTTP", () => {
  it("POST /tenant/oauth sets the cookies; cookie + X-XSRF-TOKEN requests work; logout ends it", async () => {
    const login = await fetch(`${baseUrl}/tenant/oauth?tenant_id=management`, {
      method: "POST",
      body: "grant_type=PASSWORD&username=admin&password=admin&tfa_code=",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(login.status).toBe(200);
    const setCookies = login.headers.getSetCookie();
    const cookie = setCookies.map((line) => line.split(";")[0]).join("; ");
    const xsrf = /XSRF-TOKEN=([^;]+)/.exec(cookie)![1]!;
    // Plain http on 127.0.0.1: no Secure (a browser would drop it), still HttpOnly and SameSite.
    expect(setCookies.find((line) => line.startsWith("authorization="))).toMatch(/HttpOnly; SameSite=Strict$/);
    const headers = { Cookie: cookie, "X-XSRF-TOKEN": xsrf };
    const content = randomBytes(5000, 20);
    const form = new FormData();
    form.append("object", JSON.stringify({ name: "cookie.bin", type: "c8y_Firmware" }));
    form.append("file", new Blob([content]), "cookie.bin");
    const created = await fetch(`${baseUrl}/inventory/binaries`, {
      method: "POST",
      body: form,
      headers: { ...headers, Accept: "application/json" },
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const got = await fetch(`${baseUrl}/inventory/binaries/${id}`, { headers });
    expect(md5(new Uint8Array(await got.arrayBuffer()))).toBe(md5(content));
    const withoutXsrf = await fetch(`${baseUrl}/inventory/binaries/${id}`, { headers: { Cookie: cookie } });
    expect(withoutXsrf.status).toBe(401);
    expect((await fetch(`${baseUrl}/inventory/binaries/${id}`, { method: "DELETE", headers })).status).toBe(204);
    expect((await fetch(`${baseUrl}/user/logout`, { method: "POST", headers })).status).toBe(200);
    expect((await fetch(`${baseUrl}/inventory/binaries`, { headers })).status).toBe(401);
  });
});
