import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_LINK_SECONDS, MAX_LINK_SECONDS, mintLink } from "../../../src/binaries/links";
import { Roles } from "../../../src/c8y/roles";
import { findBinary } from "../../../src/db/binaries";
import { verifyLink } from "../../../src/downloads/signed-links";
import { ApiError } from "../../../src/errors";
import { BASE, call, db, randomBytes, seedUser, upload } from "../../helpers";

let admin: string;
let bytes: Uint8Array;
let mo: Record<string, any>;

beforeAll(async () => {
  admin = await seedUser("sl", "admin");
  bytes = randomBytes(4000, 77);
  mo = await upload(admin, "firmware v1.2.bin", bytes);
});

async function mint(id: string, body?: unknown, auth = admin): Promise<Response> {
  const init: RequestInit = { method: "POST", headers: { Authorization: auth } };
  if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
  return call(`/inventory/binaries/${id}/links`, init);
}

async function linkTo(id: string, body?: unknown): Promise<string> {
  const res = await mint(id, body);
  expect(res.status).toBe(201);
  return (await res.json<{ url: string }>()).url;
}

/** Fetches a link through the worker, without credentials. */
const fetchLink = (url: string, init: RequestInit = {}) => call(url.slice(BASE.length), init);

describe("POST /inventory/binaries/{id}/links", () => {
  it("answers 201 with the URL, its expiry (default one hour), the binary and its revision", async () => {
    const before = Date.now();
    const res = await mint(mo.id);
    expect(res.status).toBe(201);
    expect(res.headers.get("Content-Type")).toContain("application/json");
    const link = await res.json<{ url: string; expiresAt: string; binaryId: string; revision: number }>();
    expect(link.binaryId).toBe(mo.id);
    expect(link.revision).toBe(1);
    expect(link.url.startsWith(`${BASE}/links/binaries/${mo.id}?`)).toBe(true);
    const expires = Date.parse(link.expiresAt);
    expect(expires).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + DEFAULT_LINK_SECONDS * 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + DEFAULT_LINK_SECONDS * 1000);
    const query = new URL(link.url).searchParams;
    expect(query.get("tenant")).toBe("sl");
    expect(query.get("revision")).toBe("1");
    expect(Number(query.get("expires")) * 1000).toBe(expires);
    expect(query.get("kid")).toBe("test");
    expect(query.get("sig")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("takes expiresInSeconds up to 7 days; anything else is refused", async () => {
    const res = await mint(mo.id, { expiresInSeconds: MAX_LINK_SECONDS });
    expect(res.status).toBe(201);
    expect(Date.parse((await res.json<{ expiresAt: string }>()).expiresAt)).toBeGreaterThan(
      Date.now() + (MAX_LINK_SECONDS - 60) * 1000,
    );
    for (const [body, status] of [
      [{ expiresInSeconds: MAX_LINK_SECONDS + 1 }, 422],
      [{ expiresInSeconds: 0 }, 422],
      [{ expiresInSeconds: -5 }, 422],
      [{ expiresInSeconds: 1.5 }, 400],
      [{ expiresInSeconds: "3600" }, 400],
      ["not json", 400],
      ["[1]", 400],
    ] as const) {
      const refused = await mint(mo.id, body);
      expect(refused.status, JSON.stringify(body)).toBe(status);
      expect((await refused.json<{ error: string }>()).error).toMatch(/^inventory\//);
    }
  });

  it("needs the right to read it: another tenant gets 404, a user who may not read it 403, no login 401", async () => {
    const outsider = await seedUser("sl-other", "eve");
    expect((await mint(mo.id, undefined, outsider)).status).toBe(404);
    const creator = await seedUser("sl", "creator", [Roles.inventoryCreate]);
    expect((await mint(mo.id, undefined, creator)).status).toBe(403);
    const reader = await seedUser("sl", "reader", [Roles.inventoryRead]);
    expect((await mint(mo.id, undefined, reader)).status).toBe(201);
    expect((await call(`/inventory/binaries/${mo.id}/links`, { method: "POST" })).status).toBe(401);
    expect((await mint("999999")).status).toBe(404);
    expect(
      (await call(`/inventory/binaries/${mo.id}/links`, { method: "GET", headers: { Authorization: admin } })).status,
    ).toBe(405);
  });

  it("answers 503 when no signing key is configured", async () => {
    const row = (await findBinary(db(), "sl", Number(mo.id)))!;
    const error = await mintLink(row, BASE, 60, []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(503);
  });
});

describe("GET /links/binaries/{id}", () => {
  it("serves the bytes without credentials, with the headers of the authenticated download", async () => {
    const url = await linkTo(mo.id);
    const viaLink = await fetchLink(url);
    const viaLogin = await call(`/inventory/binaries/${mo.id}`, { headers: { Authorization: admin } });
    expect(viaLink.status).toBe(200);
    expect(new Uint8Array(await viaLink.arrayBuffer())).toEqual(bytes);
    for (const name of [
      "ETag",
      "Last-Modified",
      "Content-Type",
      "Content-Length",
      "Content-Disposition",
      "Accept-Ranges",
      "Cache-Control",
    ]) {
      expect(viaLink.headers.get(name), name).toBe(viaLogin.headers.get(name));
    }
    expect(viaLink.headers.get("Content-Disposition")).toContain("firmware");
    await viaLogin.arrayBuffer();
  });

  it("honours Range, If-Range, If-None-Match and HEAD like the authenticated download", async () => {
    const url = await linkTo(mo.id);
    const etag = (await fetchLink(url, { method: "HEAD" })).headers.get("ETag")!;
    const part = await fetchLink(url, { headers: { Range: "bytes=100-199" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("Content-Range")).toBe("bytes 100-199/4000");
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.slice(100, 200));
    const suffix = await fetchLink(url, { headers: { Range: "bytes=-10" } });
    expect(new Uint8Array(await suffix.arrayBuffer())).toEqual(bytes.slice(3990));
    expect((await fetchLink(url, { headers: { Range: "bytes=4000-" } })).status).toBe(416);
    const staleIfRange = await fetchLink(url, { headers: { Range: "bytes=0-9", "If-Range": '"other"' } });
    expect(staleIfRange.status).toBe(200);
    await staleIfRange.arrayBuffer();
    expect((await fetchLink(url, { headers: { "If-None-Match": etag } })).status).toBe(304);
    const head = await fetchLink(url, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("Content-Length")).toBe("4000");
    expect(await head.text()).toBe("");
  });

  it("a replaced or deleted binary's old links answer 404, even once the edge cache held the bytes", async () => {
    const target = await upload(admin, "rolling.bin", "revision one");
    const old = await linkTo(target.id);
    expect(await (await fetchLink(old)).text()).toBe("revision one");
    await new Promise((resolve) => setTimeout(resolve, 50)); // the cache put finishes in waitUntil
    expect((await fetchLink(old)).headers.get("X-Edge-Cache")).toBe("hit");
    expect(
      (
        await call(`/inventory/binaries/${target.id}`, {
          method: "PUT",
          body: "revision two",
          headers: { Authorization: admin },
        })
      ).status,
    ).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const init of [{}, { method: "HEAD" }, { headers: { Range: "bytes=0-3" } }] as RequestInit[]) {
      expect((await fetchLink(old, init)).status).toBe(404);
    }
    const fresh = await linkTo(target.id);
    expect(new URL(fresh).searchParams.get("revision")).toBe("2");
    expect(await (await fetchLink(fresh)).text()).toBe("revision two");
    expect(
      (await call(`/inventory/binaries/${target.id}`, { method: "DELETE", headers: { Authorization: admin } })).status,
    ).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await fetchLink(fresh)).status).toBe(404);
    expect((await fetchLink(fresh, { headers: { "If-None-Match": "*" } })).status).toBe(404);
  });

  it("a tampered link is 403: every signed field, the signature, the key id; another tenant's name too", async () => {
    const url = new URL(await linkTo(mo.id));
    const changes: [string, string][] = [
      ["tenant", "sl-other"],
      ["revision", "2"],
      ["object", "00000000-0000-0000-0000-000000000000"],
      ["md5", "AAAAAAAAAAAAAAAAAAAAAA=="],
      ["type", "text/html"],
      ["length", "10"],
      ["modified", "0"],
      ["name", "evil.exe"],
      ["expires", String(Math.floor(Date.now() / 1000) + 999_999)],
      ["kid", "other"],
      ["sig", `${url.searchParams.get("sig")!.slice(0, -2)}AA`],
    ];
    for (const [name, value] of changes) {
      const tampered = new URL(url);
      tampered.searchParams.set(name, value);
      const res = await fetchLink(tampered.href);
      expect(res.status, name).toBe(403);
      expect((await res.json<{ error: string }>()).error).toBe("security/Forbidden");
    }
    const otherId = new URL(url);
    otherId.pathname = `/links/binaries/${Number(mo.id) + 1}`;
    expect((await fetchLink(otherId.href)).status).toBe(403);
  });

  it("stays a usable URL for a very long file name (the name it carries is cut to 255 characters)", async () => {
    // Names are capped at 255 characters on upload (docs/api.md#limits-and-configuration); older rows may hold longer
    // ones.
    const long = await upload(admin, "long.bin", "long name");
    await env.DB.prepare("UPDATE binaries SET name = ? WHERE id = ?")
      .bind(`${"ü".repeat(3000)}.bin`, Number(long.id))
      .run();
    const url = await linkTo(long.id);
    expect(url.length).toBeLessThan(4000);
    const res = await fetchLink(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("long name");
    expect(res.headers.get("Content-Disposition")).toContain("%C3%BC");
  });

  it("an expired link is 403; a malformed one 404", async () => {
    const row = (await findBinary(db(), "sl", Number(mo.id)))!;
    const expired = (
      await mintLink(
        row,
        BASE,
        60,
        [{ id: "test", secret: "test-link-signing-secret-0123456789" }],
        Date.now() - 61_000,
      )
    ).url;
    const res = await fetchLink(expired);
    expect(res.status).toBe(403);
    expect((await res.json<{ message: string }>()).message).toContain("expired");
    const url = new URL(await linkTo(mo.id));
    for (const name of ["sig", "expires", "tenant"]) {
      const broken = new URL(url);
      broken.searchParams.delete(name);
      expect((await fetchLink(broken.href)).status, name).toBe(404);
    }
    const doubled = new URL(url);
    doubled.searchParams.append("tenant", "sl");
    expect((await fetchLink(doubled.href)).status).toBe(404);
    expect((await fetchLink(`${BASE}/links/binaries/abc?${url.searchParams}`)).status).toBe(404);
  });

  it("is open to any origin (CORS), including the preflight, and only for GET and HEAD", async () => {
    const url = await linkTo(mo.id);
    const res = await fetchLink(url, { headers: { Origin: "https://app.example.com", Range: "bytes=0-0" } });
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(res.headers.get("Access-Control-Expose-Headers")).toContain("Content-Range");
    await res.arrayBuffer();
    const preflight = await fetchLink(url, {
      method: "OPTIONS",
      headers: {
        Origin: "https://app.example.com",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "range",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(preflight.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toContain("range");
    expect((await fetchLink(url, { method: "DELETE" })).status).toBe(405);
    expect((await fetchLink(url, { method: "PUT", body: "x" })).status).toBe(405);
  });
});

describe("signing keys", () => {
  const oldKey = { id: "k1", secret: "first-secret-0123456789abcdef" };
  const newKey = { id: "k2", secret: "second-secret-0123456789abcdef" };

  it("rotate: a link signed with the old key verifies while the old key is still listed, and not after", async () => {
    const row = (await findBinary(db(), "sl", Number(mo.id)))!;
    const url = new URL((await mintLink(row, BASE, 600, [oldKey])).url);
    const id = url.pathname.split("/").pop()!;
    expect((await verifyLink(id, url.searchParams, [newKey, oldKey], Date.now())).ok).toBe(true);
    expect(await verifyLink(id, url.searchParams, [newKey], Date.now())).toEqual({ ok: false, reason: "unknown-key" });
    const signedWithNew = new URL((await mintLink(row, BASE, 600, [newKey, oldKey])).url);
    expect(signedWithNew.searchParams.get("kid")).toBe("k2");
  });

  it("a secret that differs under the same key id does not verify", async () => {
    const row = (await findBinary(db(), "sl", Number(mo.id)))!;
    const url = new URL((await mintLink(row, BASE, 600, [oldKey])).url);
    const id = url.pathname.split("/").pop()!;
    expect(
      await verifyLink(id, url.searchParams, [{ id: "k1", secret: "another-secret-0123456789" }], Date.now()),
    ).toEqual({ ok: false, reason: "bad-signature" });
  });
});

describe("the link test secret", () => {
  it("is the one configured for the tests", () => {
    expect(env.LINK_SIGNING_KEYS).toBe("test:test-link-signing-secret-0123456789");
  });
});

describe("links die with their revision and their tenant, also from the edge cache (issue 21, finding 3)", () => {
  /** Fetches a link twice, so the second answer comes from the edge cache. */
  async function cached(url: string, expected: string) {
    expect(await (await fetchLink(url)).text()).toBe(expected);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the cache put finishes in waitUntil
    const hit = await fetchLink(url);
    expect(hit.headers.get("X-Edge-Cache")).toBe("hit");
    expect(await hit.text()).toBe(expected);
  }

  it("a resumable replace (tus upload with binaryId): the old revision's link is 404", async () => {
    const target = await upload(admin, "tus-rolling.bin", "revision one");
    const old = await linkTo(target.id);
    await cached(old, "revision one");
    const created = await call("/inventory/binaries/uploads", {
      method: "POST",
      headers: {
        Authorization: admin,
        "Tus-Resumable": "1.0.0",
        "Upload-Length": "12",
        "Upload-Metadata": `binaryId ${btoa(target.id)}`,
        "Content-Type": "application/offset+octet-stream",
      },
      body: "revision two",
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("Content-Location")).toBe(`${BASE}/inventory/binaries/${target.id}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const init of [{}, { method: "HEAD" }, { headers: { Range: "bytes=0-3" } }] as RequestInit[]) {
      expect((await fetchLink(old, init)).status).toBe(404);
    }
  });

  it("a deleted tenant: its links are 404", async () => {
    const platform = await seedUser("management", "root");
    const body = { id: "linked", company: "L", domain: "l.example", adminName: "boss", adminPass: "boss-password-1" };
    const tenantCreated = await call("/tenant/tenants", {
      method: "POST",
      headers: { Authorization: platform, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(tenantCreated.status).toBe(201);
    const boss = `Basic ${btoa("linked/boss:boss-password-1")}`;
    const mo2 = await upload(boss, "tenant.bin", "tenant bytes");
    const minted = await call(`/inventory/binaries/${mo2.id}/links`, {
      method: "POST",
      headers: { Authorization: boss },
    });
    const url = (await minted.json<{ url: string }>()).url;
    await cached(url, "tenant bytes");
    const deleted = await call("/tenant/tenants/linked", { method: "DELETE", headers: { Authorization: platform } });
    expect(deleted.status).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const init of [{}, { method: "HEAD" }, { headers: { Range: "bytes=0-3" } }] as RequestInit[]) {
      expect((await fetchLink(url, init)).status).toBe(404);
    }
  });
});
