import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, r2KeyOf, randomBytes, seedUser, storeCounts, upload } from "../../helpers";

let admin: string;
let bytes: Uint8Array;
let mo: Record<string, any>;
let etag: string;

beforeAll(async () => {
  admin = await seedUser("t1", "alice");
  bytes = randomBytes(1000, 42);
  mo = await upload(admin, "data.bin", bytes);
  etag = `"${mo._attachments["data.bin"].digest.slice(4)}"`;
});

const get = (id: string, headers: Record<string, string> = {}, method = "GET") =>
  call(`/inventory/binaries/${id}`, { method, headers: { Authorization: admin, ...headers } });

describe("Range", () => {
  it.each([
    ["bytes=0-99", 0, 99],
    ["bytes=100-", 100, 999],
    ["bytes=-500", 500, 999],
    ["bytes=990-5000", 990, 999],
    ["bytes=-5000", 0, 999],
    ["bytes=999-999", 999, 999],
  ])("%s → 206 with Content-Range", async (range, start, end) => {
    const res = await get(mo.id, { Range: range });
    expect(res.status).toBe(206);
    expect(res.headers.get("Content-Range")).toBe(`bytes ${start}-${end}/1000`);
    expect(res.headers.get("Content-Length")).toBe(String(end - start + 1));
    expect(res.headers.get("Accept-Ranges")).toBe("bytes");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes.slice(start, end + 1));
  });

  it.each(["bytes=1000-", "bytes=5000-6000", "bytes=-0"])("%s → 416 with Content-Range: bytes */N", async (range) => {
    const res = await get(mo.id, { Range: range });
    expect(res.status).toBe(416);
    expect(res.headers.get("Content-Range")).toBe("bytes */1000");
    expect(await res.json()).toMatchObject({ error: "inventory/Range Not Satisfiable" });
  });

  it.each(["bytes=0-1,5-6", "items=0-5", "bytes=abc", "bytes=5-2", "bytes=-", "garbage"])(
    "%s (malformed or multi-range) → full 200",
    async (range) => {
      const res = await get(mo.id, { Range: range });
      expect(res.status).toBe(200);
      expect(res.headers.get("Content-Length")).toBe("1000");
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
    },
  );
});

describe("validators", () => {
  it("strong ETag from the MD5 and Last-Modified on every download", async () => {
    const res = await get(mo.id);
    expect(res.headers.get("ETag")).toBe(etag);
    expect(res.headers.get("Last-Modified")).toBe(new Date(mo.lastUpdated).toUTCString());
    expect(res.headers.get("Cache-Control")).toBe("private, no-cache, no-transform");
    await res.arrayBuffer();
  });

  it("If-None-Match with the current tag (also weak, in a list, or *) → 304 without a body", async () => {
    for (const value of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      const res = await get(mo.id, { "If-None-Match": value });
      expect(res.status, value).toBe(304);
      expect(res.headers.get("ETag")).toBe(etag);
      expect(await res.text()).toBe("");
    }
    expect((await get(mo.id, { "If-None-Match": '"stale"' })).status).toBe(200);
  });

  it("If-Modified-Since → 304 when not modified since, 200 when it was", async () => {
    const lastModified = new Date(mo.lastUpdated).toUTCString();
    expect((await get(mo.id, { "If-Modified-Since": lastModified })).status).toBe(304);
    expect(
      (await get(mo.id, { "If-Modified-Since": new Date(Date.parse(mo.lastUpdated) - 60_000).toUTCString() })).status,
    ).toBe(200);
    expect((await get(mo.id, { "If-Modified-Since": "not a date" })).status).toBe(200);
    // If-None-Match takes precedence over If-Modified-Since
    expect((await get(mo.id, { "If-None-Match": '"stale"', "If-Modified-Since": lastModified })).status).toBe(200);
  });

  it("If-Range: the range applies only while the validator matches", async () => {
    expect((await get(mo.id, { Range: "bytes=0-9", "If-Range": etag })).status).toBe(206);
    expect((await get(mo.id, { Range: "bytes=0-9", "If-Range": new Date(mo.lastUpdated).toUTCString() })).status).toBe(
      206,
    );
    const stale = await get(mo.id, { Range: "bytes=0-9", "If-Range": '"stale"' });
    expect(stale.status).toBe(200);
    expect((await stale.arrayBuffer()).byteLength).toBe(1000);
  });
});

describe("If-Match on PUT and DELETE (optimistic concurrency)", () => {
  it("PUT with the current ETag succeeds with a new one; with the old one: 412, nothing changes", async () => {
    const target = await upload(admin, "v.bin", "version 1");
    const v1 = `"${target._attachments["v.bin"].digest.slice(4)}"`;
    const ok = await call(`/inventory/binaries/${target.id}`, {
      method: "PUT",
      body: "version 2",
      headers: { Authorization: admin, "If-Match": v1 },
    });
    expect(ok.status).toBe(201);
    const v2 = ok.headers.get("ETag");
    expect(v2).not.toBe(v1);
    const before = await storeCounts();
    const stale = await call(`/inventory/binaries/${target.id}`, {
      method: "PUT",
      body: "version 3",
      headers: { Authorization: admin, "If-Match": v1 },
    });
    expect(stale.status).toBe(412);
    expect(await stale.json()).toMatchObject({ error: "inventory/Precondition Failed" });
    expect(await (await get(target.id)).text()).toBe("version 2");
    expect(await storeCounts()).toEqual(before);
    expect(
      (
        await call(`/inventory/binaries/${target.id}`, {
          method: "PUT",
          body: "v4",
          headers: { Authorization: admin, "If-Match": "*" },
        })
      ).status,
    ).toBe(201);
  });

  it("DELETE with a stale If-Match is 412 and keeps the binary; with the current one it deletes", async () => {
    const target = await upload(admin, "d.bin", "bytes");
    const current = `"${target._attachments["d.bin"].digest.slice(4)}"`;
    const stale = await call(`/inventory/binaries/${target.id}`, {
      method: "DELETE",
      headers: { Authorization: admin, "If-Match": '"stale"' },
    });
    expect(stale.status).toBe(412);
    expect((await get(target.id)).status).toBe(200);
    const ok = await call(`/inventory/binaries/${target.id}`, {
      method: "DELETE",
      headers: { Authorization: admin, "If-Match": current },
    });
    expect(ok.status).toBe(204);
  });

  it("If-Unmodified-Since in the past is 412", async () => {
    const target = await upload(admin, "u.bin", "bytes");
    const res = await call(`/inventory/binaries/${target.id}`, {
      method: "PUT",
      body: "x",
      headers: { Authorization: admin, "If-Unmodified-Since": "Mon, 01 Jan 2001 00:00:00 GMT" },
    });
    expect(res.status).toBe(412);
  });
});

describe("HEAD", () => {
  it("answers from the metadata with the GET headers and no body", async () => {
    const res = await get(mo.id, {}, "HEAD");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Length")).toBe("1000");
    expect(res.headers.get("ETag")).toBe(etag);
    expect(res.headers.get("Accept-Ranges")).toBe("bytes");
    expect(await res.text()).toBe("");
  });

  it("does not need the R2 object (metadata only), and honours Range", async () => {
    const target = await upload(admin, "h.bin", randomBytes(300));
    const key = await r2KeyOf("t1", target.id);
    await env.BUCKET.delete(key);
    expect((await get(target.id, {}, "HEAD")).status).toBe(200);
    const partial = await get(target.id, { Range: "bytes=0-9" }, "HEAD");
    expect(partial.status).toBe(206);
    expect(partial.headers.get("Content-Range")).toBe("bytes 0-9/300");
  });
});

describe("edge cache", () => {
  it("serves a repeat download from the cache, keyed by revision: never stale after replace or delete", async () => {
    const target = await upload(admin, "c.bin", "cached v1");
    const first = await get(target.id);
    expect(first.headers.get("X-Edge-Cache")).toBe("miss");
    expect(await first.text()).toBe("cached v1");
    await new Promise((resolve) => setTimeout(resolve, 50)); // the cache put finishes in waitUntil
    const second = await get(target.id);
    expect(second.headers.get("X-Edge-Cache")).toBe("hit");
    expect(await second.text()).toBe("cached v1");

    const replaced = await call(`/inventory/binaries/${target.id}`, {
      method: "PUT",
      body: "cached v2",
      headers: { Authorization: admin },
    });
    expect(replaced.status).toBe(201);
    const third = await get(target.id);
    expect(third.headers.get("X-Edge-Cache")).toBe("miss");
    expect(await third.text()).toBe("cached v2");

    expect(
      (await call(`/inventory/binaries/${target.id}`, { method: "DELETE", headers: { Authorization: admin } })).status,
    ).toBe(204);
    expect((await get(target.id)).status).toBe(404);
  });

  it("checks authorisation before the cache: another tenant gets 404 for a cached binary", async () => {
    const target = await upload(admin, "p.bin", "private");
    await (await get(target.id)).text();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const other = await seedUser("t2", "eve");
    expect((await call(`/inventory/binaries/${target.id}`, { headers: { Authorization: other } })).status).toBe(404);
  });
});

describe("exact bytes", () => {
  it("text/csv keeps its exact length and bytes, and ranges, even when the client accepts gzip", async () => {
    const csv = "a,b,c\n".repeat(5000);
    const { multipartBody } = await import("../../helpers");
    const { body, contentType } = multipartBody([
      { name: "object", value: '{"name":"t.csv","type":"csv"}' },
      { name: "file", value: csv, contentType: "text/csv" },
    ]);
    const created = await (
      await call("/inventory/binaries", {
        method: "POST",
        body,
        headers: { Authorization: admin, "Content-Type": contentType, Accept: "application/json" },
      })
    ).json<any>();
    const res = await get(created.id, { "Accept-Encoding": "gzip, br" });
    expect(res.headers.get("Content-Type")).toBe("text/csv");
    expect(res.headers.get("Content-Length")).toBe(String(csv.length));
    expect(res.headers.get("Content-Encoding") ?? "identity").toBe("identity");
    expect(await res.text()).toBe(csv);
    const part = await get(created.id, { "Accept-Encoding": "gzip", Range: "bytes=6-11" });
    expect(part.status).toBe(206);
    expect(await part.text()).toBe("a,b,c\n");
  });
});

describe("browser defaults on downloads (issue 21)", () => {
  it("X-Content-Type-Options: nosniff on GET, HEAD, ranges and signed links", async () => {
    const auth = await seedUser("t1", "nosniff");
    const mo = await upload(auth, "page.txt", "<html><script>alert(1)</script></html>");
    const url = `/inventory/binaries/${mo.id}`;
    for (const init of [{}, { method: "HEAD" }, { headers: { Range: "bytes=0-5" } }] as RequestInit[]) {
      const res = await call(url, { ...init, headers: { ...(init.headers as object), Authorization: auth } });
      expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
      await res.body?.cancel();
    }
    const minted = await call(`${url}/links`, { method: "POST", headers: { Authorization: auth } });
    const link = new URL((await minted.json<{ url: string }>()).url);
    const viaLink = await call(`${link.pathname}${link.search}`);
    expect(viaLink.status).toBe(200);
    expect(viaLink.headers.get("X-Content-Type-Options")).toBe("nosniff");
    await viaLink.body?.cancel();
  });
});
