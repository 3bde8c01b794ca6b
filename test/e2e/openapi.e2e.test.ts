/// <reference types="node" />
/**
 * Real responses of the main flows, from the `wrangler dev` that global-setup starts, checked
 * against /openapi.json: each status must be documented for its operation, and each JSON body
 * must match the documented schema of its media type (Ajv, JSON Schema 2020-12 as OpenAPI 3.1
 * uses it). Also: /docs serves the reference page without a network.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium } from "./chromium";

const base = inject("baseUrl");
const admin = `Basic ${Buffer.from("management/admin:admin").toString("base64")}`;

type Json = Record<string, any>;
let doc: Json;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
const checked = new Set<string>();

/** The documented response of `method path` for `status`, references resolved. */
function documented(method: string, path: string, status: number): Json | undefined {
  const operation = doc.paths[path]?.[method.toLowerCase()] ?? (method === "HEAD" ? doc.paths[path]?.get : undefined);
  if (!operation) throw new Error(`${method} ${path} is not in the document`);
  let response = operation.responses[String(status)] ?? operation.responses.default;
  if (response?.$ref) response = doc.components.responses[response.$ref.split("/").pop()];
  return response;
}

const essence = (mediaType: string | null) => (mediaType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";

/** Sends a request and checks its answer against the document; returns the response and its JSON body. */
async function api(method: string, template: string, path: string, init: RequestInit & { auth?: string | null } = {}) {
  const headers = new Headers(init.headers);
  if (init.auth !== null) headers.set("Authorization", init.auth ?? admin);
  const response = await fetch(`${base}${path}`, { ...init, method, headers });
  const response2 = documented(method, template, response.status);
  expect(
    response2,
    `${method} ${template} answered ${response.status}, which the document does not list`,
  ).toBeDefined();
  checked.add(`${method} ${template} ${response.status}`);
  const type = response.headers.get("Content-Type");
  let body: any;
  if (/json/.test(essence(type)) && method !== "HEAD") {
    body = await response.json();
    const content = response2?.content ?? {};
    const key = Object.keys(content).find((candidate) => essence(candidate) === essence(type));
    expect(key, `${method} ${template} ${response.status}: media type ${type} is not documented`).toBeDefined();
    const schema = content[key as string].schema;
    const valid = ajv.validate(schema.$ref ? { $ref: `openapi.json${schema.$ref}` } : schema, body);
    expect(
      valid,
      `${method} ${template} ${response.status}: ${ajv.errorsText()}\n${JSON.stringify(body).slice(0, 500)}`,
    ).toBe(true);
  }
  return { response, body };
}

beforeAll(async () => {
  const response = await fetch(`${base}/openapi.json`);
  expect(response.status).toBe(200);
  doc = (await response.json()) as Json;
  ajv.addSchema({ $id: "openapi.json", components: doc.components });
});

describe("responses match /openapi.json", () => {
  it("descriptors, login options, current tenant and user, roles", async () => {
    await api("GET", "/platform", "/platform");
    await api("GET", "/inventory", "/inventory");
    await api("GET", "/tenant/loginOptions", "/tenant/loginOptions", { auth: null });
    await api("GET", "/tenant/currentTenant", "/tenant/currentTenant", { headers: { Accept: "application/json" } });
    await api("GET", "/tenant/currentTenant", "/tenant/currentTenant", { auth: "Basic bm9ib2R5OndoYXRldmVy" });
    await api("GET", "/user/currentUser", "/user/currentUser");
    await api("GET", "/user/roles", "/user/roles?pageSize=50");
  });

  it("binaries: upload, list, read, change, download, replace, link, delete, and the errors on the way", async () => {
    const form = new FormData();
    form.append("object", JSON.stringify({ name: "spec.txt", type: "openapi_Test", c8y_Note: { text: "hi" } }));
    form.append("file", new Blob(["hello, openapi\n"], { type: "text/plain" }), "spec.txt");
    const { body: created } = await api("POST", "/inventory/binaries", "/inventory/binaries", {
      body: form,
      headers: { Accept: "application/json" },
    });
    const id = created.id as string;
    const binary = "/inventory/binaries/{id}";
    const object = "/inventory/managedObjects/{id}";

    await api("GET", "/inventory/binaries", "/inventory/binaries?type=openapi_Test&withTotalPages=true&pageSize=10");
    await api("GET", "/inventory/binaries", "/inventory/binaries?pageSize=0");
    await api("GET", "/inventory/binaries", `/inventory/binaries?query=${encodeURIComponent("$orderby=name desc")}`);
    await api("GET", "/inventory/binaries", `/inventory/binaries?query=${encodeURIComponent("$filter=x")}`);
    await api("GET", object, `/inventory/managedObjects/${id}`);
    await api("GET", "/inventory/managedObjects", "/inventory/managedObjects?fragmentType=c8y_IsBinary&pageSize=5");
    await api("GET", "/inventory/managedObjects/count", "/inventory/managedObjects/count?type=openapi_Test");
    await api("GET", `${object}/childAssets`, `/inventory/managedObjects/${id}/childAssets`);
    await api("PUT", object, `/inventory/managedObjects/${id}`, {
      body: JSON.stringify({ name: "spec-renamed.txt" }),
      headers: { "Content-Type": "application/json", Accept: "application/json" },
    });
    await api("GET", binary, `/inventory/binaries/${id}`);
    await api("GET", binary, `/inventory/binaries/${id}`, { headers: { Range: "bytes=0-4" } });
    await api("GET", binary, `/inventory/binaries/${id}`, { headers: { Range: "bytes=900-" } });
    await api("HEAD", binary, `/inventory/binaries/${id}`);
    const { response: replaced } = await api("PUT", binary, `/inventory/binaries/${id}`, {
      body: "second version\n",
      headers: { "Content-Type": "text/plain", Accept: "application/json" },
    });
    await api("GET", binary, `/inventory/binaries/${id}`, {
      headers: { "If-None-Match": replaced.headers.get("ETag") ?? "" },
    });
    await api("PUT", binary, `/inventory/binaries/${id}`, {
      body: "stale\n",
      headers: { "Content-Type": "text/plain", "If-Match": '"AAAAAAAAAAAAAAAAAAAAAA=="' },
    });
    const { body: link } = await api("POST", `${binary}/links`, `/inventory/binaries/${id}/links`, {
      body: JSON.stringify({ expiresInSeconds: 60 }),
      headers: { "Content-Type": "application/json" },
    });
    const signed = new URL(link.url);
    await api("GET", "/links/binaries/{id}", `${signed.pathname}${signed.search}`, { auth: null });
    await api("GET", "/links/binaries/{id}", `${signed.pathname}${signed.search.replace(/sig=[^&]+/, "sig=AAAA")}`, {
      auth: null,
    });
    await api("GET", binary, `/inventory/binaries/${id}`, { auth: null });
    await api("DELETE", binary, `/inventory/binaries/${id}`);
    await api("GET", binary, `/inventory/binaries/${id}`);
    await api("DELETE", object, `/inventory/managedObjects/${id}`);
  });

  it("resumable uploads (tus): create, offset, append, list, cancel", async () => {
    const metadata = `filename ${btoa("tus.bin")},filetype ${btoa("application/octet-stream")}`;
    const tus = { "Tus-Resumable": "1.0.0" };
    await api("OPTIONS", "/inventory/binaries/uploads", "/inventory/binaries/uploads", { headers: tus });
    const { response: creation } = await api("POST", "/inventory/binaries/uploads", "/inventory/binaries/uploads", {
      headers: { ...tus, "Upload-Length": "10", "Upload-Metadata": metadata },
    });
    const upload = new URL(creation.headers.get("Location") ?? "").pathname;
    const one = "/inventory/binaries/uploads/{uploadId}";
    await api("HEAD", one, upload, { headers: tus });
    await api("GET", "/inventory/binaries/uploads", "/inventory/binaries/uploads");
    await api("PATCH", one, upload, {
      body: "01234",
      headers: { ...tus, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream" },
    });
    await api("PATCH", one, upload, {
      body: "56789",
      headers: { ...tus, "Upload-Offset": "2", "Content-Type": "application/offset+octet-stream" },
    });
    const { response: done } = await api("PATCH", one, upload, {
      body: "56789",
      headers: { ...tus, "Upload-Offset": "5", "Content-Type": "application/offset+octet-stream" },
    });
    expect(done.headers.get("Content-Location")).toMatch(/\/inventory\/binaries\/\d+$/);
    const { response: second } = await api("POST", "/inventory/binaries/uploads", "/inventory/binaries/uploads", {
      headers: { ...tus, "Upload-Length": "10", "Upload-Metadata": metadata },
    });
    const other = new URL(second.headers.get("Location") ?? "").pathname;
    await api("DELETE", one, other, { headers: tus });
    await api("HEAD", one, other, { headers: tus });
  });

  it("users and tenants", async () => {
    await api("POST", "/tenant/tenants", "/tenant/tenants", {
      body: JSON.stringify({
        id: "oas",
        company: "OAS",
        domain: "oas.example.com",
        adminName: "oas-admin",
        adminPass: "oas-pass-12",
      }),
      headers: { "Content-Type": "application/json", Accept: "application/json" },
    });
    await api("GET", "/tenant/tenants", "/tenant/tenants?withTotalElements=true");
    await api("GET", "/tenant/tenants/{id}", "/tenant/tenants/oas");
    const users = "/user/{tenant}/users";
    await api("POST", users, "/user/oas/users", {
      body: JSON.stringify({ userName: "reader", password: "reader-pass-1", email: "r@example.com" }),
      headers: { "Content-Type": "application/json", Accept: "application/json" },
    });
    await api("GET", users, "/user/oas/users?pageSize=10");
    await api("GET", `${users}/{userName}`, "/user/oas/users/reader");
    await api("GET", "/user/{tenant}/userByName/{userName}", "/user/oas/userByName/reader");
    await api("PUT", `${users}/{userName}`, "/user/oas/users/reader", {
      body: JSON.stringify({ firstName: "Rea" }),
      headers: { "Content-Type": "application/json", Accept: "application/json" },
    });
    await api("POST", `${users}/{userName}/roles`, "/user/oas/users/reader/roles", {
      body: JSON.stringify({ role: { self: `${base}/user/roles/ROLE_INVENTORY_READ` } }),
      headers: { "Content-Type": "application/json", Accept: "application/json" },
    });
    await api("DELETE", `${users}/{userName}/roles/{role}`, "/user/oas/users/reader/roles/ROLE_INVENTORY_READ");
    await api("DELETE", `${users}/{userName}`, "/user/oas/users/reader");
    await api("GET", `${users}/{userName}`, "/user/oas/users/reader");
    await api("DELETE", "/tenant/tenants/{id}", "/tenant/tenants/oas");
  });

  it("checked the statuses it meant to", () => {
    for (const expected of [
      "POST /inventory/binaries 201",
      "GET /inventory/binaries/{id} 206",
      "PUT /inventory/binaries/{id} 412",
    ]) {
      expect(checked).toContain(expected);
    }
    expect(checked.size).toBeGreaterThan(40);
  });
});

it("serves the interactive reference at /docs/ with its script from this server", async () => {
  const page = await fetch(`${base}/docs/`);
  expect(page.status).toBe(200);
  const html = await page.text();
  const scripts = [...html.matchAll(/<script[^>]+src="([^"]+)"/g)].map((m) => m[1] ?? "");
  expect(scripts.length).toBeGreaterThan(0);
  for (const src of scripts) {
    expect(src.startsWith("/")).toBe(true); // same origin, no CDN
    expect((await fetch(`${base}${src}`)).status).toBe(200);
  }
  // And it renders the document in a browser that has no internet.
  const browser = await launchChromium();
  try {
    const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const violations: string[] = [];
    tab.on("console", (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    const served = await tab.goto(`${base}/docs/`);
    // Swagger UI renders under the page's Content-Security-Policy (issue 21), framed by nobody.
    expect((await served?.allHeaders())?.["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect((await served?.allHeaders())?.["x-frame-options"]).toBe("DENY");
    await tab.getByRole("heading", { name: /c8y-binaries-edge/ }).waitFor({ timeout: 30_000 });
    expect(await tab.getByText("/inventory/binaries/{id}/links", { exact: true }).count()).toBeGreaterThan(0);
    // Open one operation, so its schema and example render too.
    await tab.getByText("/inventory/binaries/{id}/links", { exact: true }).first().click();
    await tab.waitForTimeout(500);
    expect(violations).toEqual([]);
    if (process.env.SCREENSHOTS_DIR) await tab.screenshot({ path: `${process.env.SCREENSHOTS_DIR}/api-reference.png` });
  } finally {
    await browser.close();
  }
}, 120_000);
