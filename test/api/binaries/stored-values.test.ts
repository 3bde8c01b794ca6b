import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, multipartBody, seedUser, storeCounts, upload } from "../../helpers";

/** Everything stored is valid when read back: checked at the door, and the read path is total. */
let admin: string;
beforeAll(async () => {
  admin = await seedUser("t1", "alice");
});

const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

function post(parts: Parameters<typeof multipartBody>[0]): Promise<Response> {
  const { body, contentType } = multipartBody(parts);
  return call("/inventory/binaries", {
    method: "POST",
    body,
    headers: { Authorization: admin, "Content-Type": contentType, Accept: "application/json" },
  });
}

const withObject = (object: string, file: { contentType?: string } = {}) => [
  { name: "object", value: object },
  { name: "file", value: "bytes", filename: "f.bin", contentType: file.contentType },
];

async function expectRejected(res: Response, status: number, before: { rows: number; objects: number }): Promise<void> {
  expect(res.status).toBe(status);
  expect((await res.json<any>()).error).toMatch(/\//);
  expect(await storeCounts()).toEqual(before);
}

describe("JSON nesting", () => {
  it("refuses an object part nested 30,000 deep with 400, stores nothing, and lists still work", async () => {
    const before = await storeCounts();
    await expectRejected(await post(withObject(`{"name":"d.bin","type":"t","deep":${nested(30_000)}}`)), 400, before);
    expect((await call("/inventory/binaries?pageSize=100", { headers: { Authorization: admin } })).status).toBe(200);
  });

  it("accepts 64 levels (the object itself counts) and refuses 65", async () => {
    expect((await post(withObject(`{"name":"ok.bin","type":"t","f":${nested(63)}}`))).status).toBe(201);
    const before = await storeCounts();
    await expectRejected(await post(withObject(`{"name":"no.bin","type":"t","f":${nested(64)}}`)), 400, before);
  });

  it("refuses a deep managed-object PUT and leaves the object as it was", async () => {
    const mo = await upload(admin, "p.bin", "p", { c8y_Keep: { a: 1 } });
    const res = await call(`/inventory/managedObjects/${mo.id}`, {
      method: "PUT",
      body: `{"c8y_Deep":${nested(30_000)}}`,
      headers: { Authorization: admin, "Content-Type": "application/json" },
    });
    expect(res.status).toBe(400);
    const after = await (
      await call(`/inventory/managedObjects/${mo.id}`, { headers: { Authorization: admin } })
    ).json<any>();
    expect(after.c8y_Keep).toEqual({ a: 1 });
    expect(after.c8y_Deep).toBeUndefined();
  });

  it("a row stored deep before the limit existed never makes GET or list fail", async () => {
    const mo = await upload(admin, "legacy.bin", "legacy", { c8y_Fine: { ok: true } });
    await env.DB.prepare("UPDATE binaries SET fragments = ? WHERE id = ?")
      .bind(`{"c8y_Fine":{"ok":true},"c8y_Deep":${nested(30_000)}}`, Number(mo.id))
      .run();
    const one = await call(`/inventory/managedObjects/${mo.id}`, { headers: { Authorization: admin } });
    expect(one.status).toBe(200);
    const body = await one.json<any>();
    expect(body.c8y_Fine).toEqual({ ok: true });
    expect(body.c8y_Deep).toBeUndefined();
    const list = await call(`/inventory/binaries?ids=${mo.id}`, { headers: { Authorization: admin } });
    expect(list.status).toBe(200);
    expect((await list.json<any>()).managedObjects[0].c8y_Fine).toEqual({ ok: true });
    expect((await call(`/inventory/binaries/${mo.id}`, { headers: { Authorization: admin } })).status).toBe(200);
  });
});

describe("Content-Type of the bytes", () => {
  // A label, never a gate (docs/api.md#upload-post): the bytes are stored; an unprintable label is not.
  it.each([
    ["CR", "text/plain\rX-Injected: 1"],
    ["NUL", "text/plain\u0000"],
    ["DEL", "text/pl\u007fain"],
    ["257 characters", `application/${"x".repeat(245)}`],
  ])("a file part Content-Type with %s stores the bytes as application/octet-stream", async (_label, contentType) => {
    const res = await post(withObject('{"name":"c.bin","type":"t"}', { contentType }));
    expect(res.status).toBe(201);
    const mo = await res.json<any>();
    expect(mo.contentType).toBe("application/octet-stream");
    const got = await call(`/inventory/binaries/${mo.id}`, { headers: { Authorization: admin } });
    expect(got.headers.get("Content-Type")).toBe("application/octet-stream");
    expect(got.headers.get("X-Injected")).toBeNull();
    expect(await got.text()).toBe("bytes");
  });

  it.each([
    ["DEL", "text/plain\u007f"],
    ["257 characters", `application/${"x".repeat(245)}`],
  ])("a PUT Content-Type with %s stores the new bytes as application/octet-stream", async (_label, contentType) => {
    const mo = await upload(admin, "put.bin", "old bytes");
    const res = await call(`/inventory/binaries/${mo.id}`, {
      method: "PUT",
      body: "new bytes",
      headers: { Authorization: admin, "Content-Type": contentType, Accept: "application/json" },
    });
    expect(res.status).toBe(201);
    expect((await res.json<any>()).contentType).toBe("application/octet-stream");
    expect(await (await call(`/inventory/binaries/${mo.id}`, { headers: { Authorization: admin } })).text()).toBe(
      "new bytes",
    );
  });

  it("keeps valid types with parameters exactly as sent", async () => {
    const type = 'text/plain; charset="utf-8";format=flowed';
    const res = await post(withObject('{"name":"v.bin","type":"t"}', { contentType: type }));
    expect(res.status).toBe(201);
    const mo = await res.json<any>();
    expect(mo.contentType).toBe(type);
    expect(
      (await call(`/inventory/binaries/${mo.id}`, { headers: { Authorization: admin } })).headers.get("Content-Type"),
    ).toBe(type);
  });

  it("a bad type stored before the check is served as application/octet-stream", async () => {
    const mo = await upload(admin, "old.bin", "old");
    await env.DB.prepare("UPDATE binaries SET content_type = ? WHERE id = ?")
      .bind("text/plain\r\nX-Injected: 1", Number(mo.id))
      .run();
    for (const method of ["GET", "HEAD"]) {
      const res = await call(`/inventory/binaries/${mo.id}`, { method, headers: { Authorization: admin } });
      expect(res.status).toBe(200);
      expect(res.headers.get("Content-Type")).toBe("application/octet-stream");
      expect(res.headers.get("X-Injected")).toBeNull();
    }
  });
});

describe("names", () => {
  it("accepts a 255-character name and refuses 256 (upload and metadata update)", async () => {
    expect((await post(withObject(JSON.stringify({ name: "n".repeat(255), type: "t" })))).status).toBe(201);
    const before = await storeCounts();
    await expectRejected(await post(withObject(JSON.stringify({ name: "n".repeat(256), type: "t" }))), 400, before);
    const mo = await upload(admin, "short.bin", "s");
    const res = await call(`/inventory/managedObjects/${mo.id}`, {
      method: "PUT",
      body: JSON.stringify({ name: "n".repeat(256) }),
      headers: { Authorization: admin, "Content-Type": "application/json" },
    });
    expect(res.status).toBe(400);
  });

  it("a 60 KB name stored before the cap gives a Content-Disposition under 3 KB", async () => {
    const mo = await upload(admin, "x.bin", "x");
    await env.DB.prepare("UPDATE binaries SET name = ? WHERE id = ?")
      .bind(`${"\u00e9".repeat(60_000)}.pdf`, Number(mo.id))
      .run();
    const res = await call(`/inventory/binaries/${mo.id}`, { headers: { Authorization: admin } });
    expect(res.status).toBe(200);
    const header = res.headers.get("Content-Disposition")!;
    expect(header.length).toBeLessThan(3000);
    expect(header).toMatch(/\.pdf$/);
  });

  it.each([".", "..", "a\u0001b", "tab\u007f"])("refuses the user name %j with 422", async (userName) => {
    const res = await call("/user/t1/users", {
      method: "POST",
      body: JSON.stringify({ userName, password: "long-enough-1" }),
      headers: { Authorization: admin, "Content-Type": "application/json" },
    });
    expect(res.status).toBe(422);
  });
});

describe("smaller findings", () => {
  it("text= longer than 100 characters is a 200, not a 500", async () => {
    await upload(admin, "needle.bin", "n");
    const res = await call(`/inventory/binaries?text=${"a".repeat(200)}`, { headers: { Authorization: admin } });
    expect(res.status).toBe(200);
    expect((await res.json<any>()).managedObjects).toEqual([]);
    expect(
      (
        await (await call("/inventory/binaries?text=NEEDLE", { headers: { Authorization: admin } })).json<any>()
      ).managedObjects.map((m: any) => m.name),
    ).toEqual(["needle.bin"]);
  });

  it("a 200 KiB part header block in one chunk is refused like one spread over chunks", async () => {
    const boundary = "B0UND";
    const padding = `X-Padding: ${"p".repeat(200 * 1024)}`;
    const object = 'Content-Disposition: form-data; name="object"';
    const head = `--${boundary}\r\n${object}\r\n${padding}\r\n\r\n{"name":"h.bin","type":"t"}\r\n`;
    const file = 'Content-Disposition: form-data; name="file"; filename="h.bin"';
    const rest = `--${boundary}\r\n${file}\r\n\r\nbytes\r\n--${boundary}--\r\n`;
    const before = await storeCounts();
    const res = await call("/inventory/binaries", {
      method: "POST",
      body: head + rest,
      headers: { Authorization: admin, "Content-Type": `multipart/form-data; boundary=${boundary}` },
    });
    await expectRejected(res, 400, before);
  });
});
