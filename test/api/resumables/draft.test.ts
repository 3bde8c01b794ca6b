import { beforeAll, describe, expect, it } from "vitest";
import { call, md5Base64, randomBytes, seedUser } from "../../helpers";

/**
 * The IETF draft "Resumable Uploads for HTTP" (interop version 8) with plain requests: no
 * Tus-Resumable anywhere; Upload-Complete, Upload-Offset, Upload-Length, Upload-Limit,
 * application/partial-upload.
 */
const MIB = 1024 * 1024;
const PARTIAL = "application/partial-upload";
let alice: string;

beforeAll(async () => {
  alice = await seedUser("t1", "alice");
});

function post(body: Uint8Array, headers: Record<string, string>) {
  return call("/inventory/binaries/uploads", {
    method: "POST",
    headers: { Authorization: alice, "Content-Length": String(body.length), ...headers },
    body,
  });
}
function append(
  path: string,
  offset: number,
  body: Uint8Array,
  complete: boolean,
  headers: Record<string, string> = {},
) {
  return call(path, {
    method: "PATCH",
    headers: {
      Authorization: alice,
      "Content-Type": PARTIAL,
      "Upload-Offset": String(offset),
      "Upload-Complete": complete ? "?1" : "?0",
      "Content-Length": String(body.length),
      ...headers,
    },
    body,
  });
}
const head = (path: string) => call(path, { method: "HEAD", headers: { Authorization: alice } });

describe("IETF draft flow with plain HTTP requests", () => {
  it("create with part of the body (?0), retrieve the offset, append the rest (?1)", async () => {
    const bytes = randomBytes(9 * MIB + 77, 31);
    const res = await post(bytes.subarray(0, 2 * MIB), {
      "Upload-Complete": "?0",
      "Upload-Length": String(bytes.length),
      "Content-Type": "image/png",
      "Content-Disposition": `inline; filename="photo.png"`,
      "Upload-Draft-Interop-Version": "8",
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("Upload-Complete")).toBe("?0");
    expect(res.headers.get("Upload-Offset")).toBe(String(2 * MIB));
    expect(res.headers.get("Upload-Limit")).toMatch(/^max-size=1099511627776, max-age=\d+$/);
    const path = new URL(res.headers.get("Location")!).pathname;

    const offset = await head(path);
    expect(offset.status).toBe(204);
    expect(offset.headers.get("Upload-Offset")).toBe(String(2 * MIB));
    expect(offset.headers.get("Upload-Complete")).toBe("?0");
    expect(offset.headers.get("Upload-Length")).toBe(String(bytes.length));
    expect(offset.headers.get("Cache-Control")).toBe("no-store");
    expect(offset.headers.get("Upload-Limit")).toMatch(/max-age=\d+/);

    const middle = await append(path, 2 * MIB, bytes.subarray(2 * MIB, 6 * MIB), false);
    expect(middle.status).toBe(204);
    expect(middle.headers.get("Upload-Complete")).toBe("?0");
    expect(middle.headers.get("Upload-Offset")).toBe(String(6 * MIB));

    const done = await append(path, 6 * MIB, bytes.subarray(6 * MIB), true, { Accept: "application/json" });
    expect(done.status).toBe(201);
    expect(done.headers.get("Upload-Complete")).toBe("?1");
    const mo = await done.json<Record<string, any>>();
    expect(done.headers.get("Location")).toBe(`http://example.test/inventory/binaries/${mo.id}`);
    expect(mo).toMatchObject({ name: "photo.png", contentType: "image/png", type: "image/png", length: bytes.length });
    expect(mo._attachments["photo.png"].digest).toBe(`md5-${await md5Base64(bytes)}`);
    const download = await call(`/inventory/binaries/${mo.id}`, { headers: { Authorization: alice } });
    expect(await md5Base64(new Uint8Array(await download.arrayBuffer()))).toBe(await md5Base64(bytes));
    const after = await head(path);
    expect(after.headers.get("Upload-Complete")).toBe("?1");
  });

  it("a creation with Upload-Complete: ?1 and the whole body answers like POST", async () => {
    const bytes = randomBytes(3000, 32);
    const res = await post(bytes, {
      "Upload-Complete": "?1",
      "Content-Type": "text/plain",
      "Content-Disposition": "inline; filename*=UTF-8''notes%20%C3%BC.txt",
      Accept: "application/json",
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("Upload-Complete")).toBe("?1");
    const mo = await res.json<Record<string, any>>();
    expect(mo).toMatchObject({ name: "notes ü.txt", length: 3000, contentType: "text/plain" });
  });

  it("an empty append with ?1 completes an upload whose bytes are all there", async () => {
    const bytes = randomBytes(100, 33);
    const res = await post(bytes, { "Upload-Complete": "?0", "Content-Disposition": 'inline; filename="x.bin"' });
    const path = new URL(res.headers.get("Location")!).pathname;
    const done = await append(path, 100, new Uint8Array(0), true);
    expect(done.status).toBe(201);
    expect(done.headers.get("Upload-Complete")).toBe("?1");
  });

  it("a stale offset is 409 with the right offset and Upload-Complete: ?0", async () => {
    const res = await post(randomBytes(10, 1), {
      "Upload-Complete": "?0",
      "Content-Disposition": 'inline; filename="a"',
    });
    const path = new URL(res.headers.get("Location")!).pathname;
    const stale = await append(path, 3, randomBytes(5, 2), false);
    expect(stale.status).toBe(409);
    expect(stale.headers.get("Upload-Offset")).toBe("10");
    expect(stale.headers.get("Upload-Complete")).toBe("?0");
  });

  it("inconsistent lengths are 400 and change nothing", async () => {
    const res = await post(randomBytes(10, 1), {
      "Upload-Complete": "?0",
      "Upload-Length": "20",
      "Content-Disposition": 'inline; filename="a"',
    });
    const path = new URL(res.headers.get("Location")!).pathname;
    expect((await append(path, 10, randomBytes(5, 2), true)).status).toBe(400);
    expect((await append(path, 10, randomBytes(5, 2), false, { "Upload-Length": "30" })).status).toBe(400);
    expect((await append(path, 10, randomBytes(11, 2), false)).status).toBe(400);
    expect((await head(path)).headers.get("Upload-Offset")).toBe("10");
    const bad = await post(randomBytes(10, 1), {
      "Upload-Complete": "?1",
      "Upload-Length": "11",
      "Content-Disposition": 'inline; filename="a"',
    });
    expect(bad.status).toBe(400);
  });

  it("an append without a valid Upload-Complete is 400; cancellation is DELETE", async () => {
    const res = await post(randomBytes(10, 1), {
      "Upload-Complete": "?0",
      "Content-Disposition": 'inline; filename="a"',
    });
    const path = new URL(res.headers.get("Location")!).pathname;
    expect((await append(path, 10, randomBytes(5, 2), false, { "Upload-Complete": "yes" })).status).toBe(400);
    expect((await call(path, { method: "DELETE", headers: { Authorization: alice } })).status).toBe(204);
    expect((await head(path)).status).toBe(404);
  });

  it("OPTIONS announces Upload-Limit", async () => {
    const res = await call("/inventory/binaries/uploads", { method: "OPTIONS", headers: { Authorization: alice } });
    expect(res.headers.get("Upload-Limit")).toBe("max-size=1099511627776");
  });
});
