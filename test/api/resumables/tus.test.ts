// Long because: the whole tus conformance (creation, appends, HEAD, termination, checksums, expiry) shares one set of
// users and helpers; split it along the lifecycle (as src/resumable/ is) when it grows.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { Roles } from "../../../src/c8y/roles";
import {
  call,
  countEverywhere,
  md5Base64,
  randomBytes,
  seedUser,
  shardD1,
  TUS,
  TUS_OCTETS,
  tusPatch,
  upload,
} from "../../helpers";

const MIB = 1024 * 1024;
const OCTETS = TUS_OCTETS;
let alice: string;
let bob: string;
let reader: string;
let otherTenant: string;

beforeAll(async () => {
  alice = await seedUser("t1", "alice");
  bob = await seedUser("t1", "bob");
  reader = await seedUser("t1", "reader", [Roles.inventoryRead]);
  otherTenant = await seedUser("t2", "alice");
});

const b64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

function metadata(pairs: Record<string, string>): string {
  return Object.entries(pairs)
    .map(([key, value]) => `${key} ${b64(value)}`)
    .join(",");
}

async function create(auth: string, headers: Record<string, string>, body?: Uint8Array): Promise<Response> {
  const extra: Record<string, string> = body ? { "Content-Type": OCTETS, "Content-Length": String(body.length) } : {};
  return call("/inventory/binaries/uploads", {
    method: "POST",
    headers: { Authorization: auth, ...TUS, ...extra, ...headers },
    body,
  });
}

async function createdPath(
  auth: string,
  length: number,
  meta: Record<string, string> = { filename: "f.bin" },
): Promise<string> {
  const res = await create(auth, { "Upload-Length": String(length), "Upload-Metadata": metadata(meta) });
  expect(res.status).toBe(201);
  return new URL(res.headers.get("Location")!).pathname;
}

function patch(
  path: string,
  auth: string,
  offset: number,
  bytes: Uint8Array,
  headers: Record<string, string> = {},
): Promise<Response> {
  return tusPatch(path, auth, bytes, bytes.length, offset, headers);
}

const head = (path: string, auth: string, headers: Record<string, string> = TUS) =>
  call(path, { method: "HEAD", headers: { Authorization: auth, ...headers } });

async function uploadRows(): Promise<number> {
  return countEverywhere("SELECT COUNT(*) AS n FROM uploads");
}
async function tails(): Promise<string[]> {
  return (await env.BUCKET.list({ prefix: "%resumable/" })).objects.map((o) => o.key);
}
async function state() {
  return { uploads: await uploadRows(), objects: (await env.BUCKET.list()).objects.length };
}

async function managedObject(location: string, auth: string): Promise<Record<string, any>> {
  const id = location.split("/").pop();
  const res = await call(`/inventory/managedObjects/${id}`, {
    headers: { Authorization: auth, Accept: "application/json" },
  });
  expect(res.status).toBe(200);
  return res.json();
}

/** Byte equality without vitest's element-wise diff (which takes minutes on megabytes). */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  let firstDifference = -1;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) {
      firstDifference = i;
      break;
    }
  }
  expect(firstDifference).toBe(-1);
}

async function download(location: string, auth: string): Promise<Uint8Array> {
  const res = await call(new URL(location).pathname, { headers: { Authorization: auth } });
  expect(res.status).toBe(200);
  return new Uint8Array(await res.arrayBuffer());
}

describe("tus discovery", () => {
  it("OPTIONS names the version, extensions, maximum size and checksum algorithms", async () => {
    const res = await call("/inventory/binaries/uploads", { method: "OPTIONS", headers: { Authorization: alice } });
    expect(res.status).toBe(204);
    expect(res.headers.get("Tus-Version")).toBe("1.0.0");
    expect(res.headers.get("Tus-Resumable")).toBe("1.0.0");
    expect(res.headers.get("Tus-Extension")!.split(",")).toEqual([
      "creation",
      "creation-with-upload",
      "creation-defer-length",
      "expiration",
      "checksum",
      "termination",
    ]);
    expect(res.headers.get("Tus-Max-Size")).toBe(String(1024 ** 4));
    expect(res.headers.get("Tus-Checksum-Algorithm")).toBe("sha1,md5,sha256");
  });
});

describe("tus core + creation: an upload in several PATCHes becomes a binary", () => {
  it("12 MiB in uneven chunks across 5 MiB parts: bytes, md5, managed object, no temporary objects left", async () => {
    const bytes = randomBytes(12 * MIB + 12345, 41);
    const object = { c8y_Firmware: { version: "1.2" }, type: "ignored-by-explicit-type" };
    const res = await create(alice, {
      "Upload-Length": String(bytes.length),
      "Upload-Metadata": metadata({
        filename: "fw.bin",
        filetype: "application/x-fw",
        type: "c8y_Firmware",
        object: JSON.stringify(object),
      }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("Tus-Resumable")).toBe("1.0.0");
    expect(Date.parse(res.headers.get("Upload-Expires")!)).toBeGreaterThan(Date.now() + 23 * 3600_000);
    const path = new URL(res.headers.get("Location")!).pathname;
    expect(path).toMatch(/^\/inventory\/binaries\/uploads\/[0-9a-f]{32}$/);

    const cuts = [0, 3 * MIB, 3 * MIB + 1, 9 * MIB + 7, 11 * MIB, bytes.length];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const before = await head(path, alice);
      expect(before.status).toBe(200);
      expect(before.headers.get("Upload-Offset")).toBe(String(cuts[i]));
      expect(before.headers.get("Upload-Length")).toBe(String(bytes.length));
      expect(before.headers.get("Cache-Control")).toBe("no-store");
      const res = await patch(path, alice, cuts[i]!, bytes.subarray(cuts[i], cuts[i + 1]));
      expect(res.status).toBe(204);
      expect(res.headers.get("Upload-Offset")).toBe(String(cuts[i + 1]));
      expect(res.headers.get("Tus-Resumable")).toBe("1.0.0");
    }
    const last = await head(path, alice);
    expect(last.headers.get("Upload-Offset")).toBe(String(bytes.length));
    const location = last.headers.get("Content-Location")!;
    expect(location).toMatch(/^http:\/\/example\.test\/inventory\/binaries\/\d+$/);

    const mo = await managedObject(location, alice);
    expect(mo).toMatchObject({
      name: "fw.bin",
      type: "c8y_Firmware",
      contentType: "application/x-fw",
      length: bytes.length,
      owner: "alice",
    });
    expect(mo.c8y_Firmware).toEqual({ version: "1.2" });
    expect(mo._attachments["fw.bin"].digest).toBe(`md5-${await md5Base64(bytes)}`);
    expect(await md5Base64(await download(location, alice))).toBe(await md5Base64(bytes));
    expect(await tails()).toEqual([]);
  });

  it("the completing PATCH answers with the binary's Location; a small file never uses multipart", async () => {
    const bytes = randomBytes(1000, 3);
    const path = await createdPath(alice, 1000, { name: "small.txt", filetype: "text/plain" });
    const res = await patch(path, alice, 0, bytes);
    expect(res.status).toBe(204);
    const location = res.headers.get("Location")!;
    const mo = await managedObject(location, alice);
    expect(mo).toMatchObject({ name: "small.txt", type: "text/plain", contentType: "text/plain", length: 1000 });
    expect(mo._attachments["small.txt"].digest).toBe(`md5-${await md5Base64(bytes)}`);
    expectSameBytes(await download(location, alice), bytes);
  });

  it("creation-with-upload stores the POST body and reports its offset", async () => {
    const bytes = randomBytes(6 * MIB, 5);
    const res = await create(
      alice,
      { "Upload-Length": String(bytes.length), "Upload-Metadata": metadata({ filename: "cwu.bin" }) },
      bytes.subarray(0, 5 * MIB + 3),
    );
    expect(res.status).toBe(201);
    expect(res.headers.get("Upload-Offset")).toBe(String(5 * MIB + 3));
    const path = new URL(res.headers.get("Location")!).pathname;
    const done = await patch(path, alice, 5 * MIB + 3, bytes.subarray(5 * MIB + 3));
    expect(done.status).toBe(204);
    expectSameBytes(await download(done.headers.get("Location")!, alice), bytes);
  });

  it("an empty file completes at creation", async () => {
    const res = await create(alice, { "Upload-Length": "0", "Upload-Metadata": metadata({ filename: "empty" }) });
    expect(res.status).toBe(201);
    expect(res.headers.get("Upload-Offset")).toBe("0");
    const mo = await managedObject(res.headers.get("Content-Location")!, alice);
    expect(mo.length).toBe(0);
    expect(mo._attachments.empty.digest).toBe(`md5-${await md5Base64(new Uint8Array(0))}`);
  });

  it("creation-defer-length: the length arrives with a later PATCH", async () => {
    const bytes = randomBytes(7 * MIB, 8);
    const res = await create(alice, {
      "Upload-Defer-Length": "1",
      "Upload-Metadata": metadata({ filename: "deferred.bin" }),
    });
    expect(res.status).toBe(201);
    const path = new URL(res.headers.get("Location")!).pathname;
    const before = await head(path, alice);
    expect(before.headers.get("Upload-Defer-Length")).toBe("1");
    expect(before.headers.has("Upload-Length")).toBe(false);
    expect((await patch(path, alice, 0, bytes.subarray(0, 2 * MIB))).status).toBe(204);
    const done = await patch(path, alice, 2 * MIB, bytes.subarray(2 * MIB), { "Upload-Length": String(bytes.length) });
    expect(done.status).toBe(204);
    expectSameBytes(await download(done.headers.get("Location")!, alice), bytes);
  });
});

describe("tus failure paths answer 4xx and change nothing", () => {
  it("a stale Upload-Offset is 409 with the real offset", async () => {
    const path = await createdPath(alice, 100);
    expect((await patch(path, alice, 0, randomBytes(40, 1))).status).toBe(204);
    const before = await state();
    const res = await patch(path, alice, 10, randomBytes(40, 2));
    expect(res.status).toBe(409);
    expect(res.headers.get("Upload-Offset")).toBe("40");
    expect(res.headers.get("Tus-Resumable")).toBe("1.0.0");
    expect(await state()).toEqual(before);
    expect((await head(path, alice)).headers.get("Upload-Offset")).toBe("40");
  });

  it("no or another Tus-Resumable is 412 with Tus-Version", async () => {
    const res = await call("/inventory/binaries/uploads", {
      method: "POST",
      headers: { Authorization: alice, "Tus-Resumable": "0.2.2", "Upload-Length": "5" },
    });
    expect(res.status).toBe(412);
    expect(res.headers.get("Tus-Version")).toBe("1.0.0");
    const none = await call("/inventory/binaries/uploads", {
      method: "POST",
      headers: { Authorization: alice, "Upload-Length": "5" },
    });
    expect(none.status).toBe(412);
  });

  it("PATCH with another content type is 415", async () => {
    const path = await createdPath(alice, 10);
    const res = await patch(path, alice, 0, randomBytes(10, 1), { "Content-Type": "application/octet-stream" });
    expect(res.status).toBe(415);
    expect((await head(path, alice)).headers.get("Upload-Offset")).toBe("0");
  });

  it.each([
    ["negative length", { "Upload-Length": "-1" }, 400],
    ["non-numeric length", { "Upload-Length": "12abc" }, 400],
    ["both length and deferral", { "Upload-Length": "12", "Upload-Defer-Length": "1" }, 400],
    ["neither length nor deferral", {}, 400],
    ["deferral other than 1", { "Upload-Defer-Length": "2" }, 400],
    ["past Tus-Max-Size", { "Upload-Length": String(1024 ** 4 + 1) }, 413],
    ["malformed metadata", { "Upload-Length": "5", "Upload-Metadata": "filename not*base64" }, 400],
    [
      "repeated metadata key",
      { "Upload-Length": "5", "Upload-Metadata": `filename ${b64("a")},filename ${b64("b")}` },
      400,
    ],
    ["oversized metadata", { "Upload-Length": "5", "Upload-Metadata": `filename ${b64("x".repeat(20_000))}` }, 413],
    [
      "object that is not JSON",
      { "Upload-Length": "5", "Upload-Metadata": metadata({ filename: "a", object: "{nope" }) },
      400,
    ],
    ["no file name", { "Upload-Length": "5", "Upload-Metadata": metadata({ filetype: "text/plain" }) }, 400],
    [
      "unknown checksum algorithm",
      { "Upload-Length": "5", "Upload-Metadata": metadata({ filename: "a" }), "Upload-Checksum": "crc32 AAAA" },
      400,
    ],
  ])("creation with %s -> %i", async (_name, headers, status) => {
    const before = await state();
    const res = await create(alice, headers as Record<string, string>);
    expect(res.status).toBe(status);
    expect(res.headers.get("Content-Type")).toMatch(/^application\/vnd\.com\.nsn\.cumulocity\.error\+json/);
    expect(await state()).toEqual(before);
  });

  it("data past the declared length is 400 and nothing is stored", async () => {
    const path = await createdPath(alice, 10);
    const before = await state();
    const res = await patch(path, alice, 0, randomBytes(11, 1));
    expect(res.status).toBe(400);
    expect(await state()).toEqual(before);
    expect((await head(path, alice)).headers.get("Upload-Offset")).toBe("0");
  });

  it.each([["-1"], ["abc"], [""]])("Upload-Offset '%s' is 400", async (offset) => {
    const path = await createdPath(alice, 10);
    const res = await patch(path, alice, 0, randomBytes(10, 1), { "Upload-Offset": offset });
    expect(res.status).toBe(400);
  });
});

describe("tus security: uploads belong to their creator", () => {
  it("another tenant and another user get 404; a READ-only user cannot create", async () => {
    const path = await createdPath(alice, 10);
    for (const auth of [otherTenant, bob]) {
      expect((await head(path, auth)).status).toBe(404);
      expect((await patch(path, auth, 0, randomBytes(10, 1))).status).toBe(404);
      expect((await call(path, { method: "DELETE", headers: { Authorization: auth, ...TUS } })).status).toBe(404);
    }
    expect((await head(path, alice)).headers.get("Upload-Offset")).toBe("0");
    const before = await state();
    expect(
      (await create(reader, { "Upload-Length": "5", "Upload-Metadata": metadata({ filename: "r" }) })).status,
    ).toBe(403);
    expect(await state()).toEqual(before);
  });

  it("unknown and malformed upload ids are 404", async () => {
    expect((await head("/inventory/binaries/uploads/0123456789abcdef0123456789abcdef", alice)).status).toBe(404);
    expect((await head("/inventory/binaries/uploads/..%2F1", alice)).status).toBe(404);
  });
});

describe("tus termination", () => {
  it("DELETE removes the upload, its multipart upload and its tail", async () => {
    const path = await createdPath(alice, 8 * MIB);
    expect((await patch(path, alice, 0, randomBytes(6 * MIB, 4))).status).toBe(204);
    const row = await (await shardD1("t1"))
      .prepare("SELECT r2_key, multipart_id, tail_key FROM uploads WHERE id = ?")
      .bind(path.split("/").pop())
      .first<{ r2_key: string; multipart_id: string; tail_key: string }>();
    expect(row?.multipart_id).toBeTruthy();
    expect(row?.tail_key).toBeTruthy();
    const res = await call(path, { method: "DELETE", headers: { Authorization: alice, ...TUS } });
    expect(res.status).toBe(204);
    expect((await head(path, alice)).status).toBe(404);
    expect(await env.BUCKET.head(row!.tail_key)).toBeNull();
    await expect(
      env.BUCKET.resumeMultipartUpload(row!.r2_key, row!.multipart_id).uploadPart(9, new Uint8Array(5)),
    ).rejects.toThrow();
  });
});

describe("two concurrent PATCHes never both apply", () => {
  it("the second gets 423 while the first holds the lease; the bytes stay right", async () => {
    const bytes = randomBytes(2 * MIB, 9);
    const path = await createdPath(alice, bytes.length);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(bytes.subarray(0, MIB));
        await gate;
        controller.enqueue(bytes.subarray(MIB));
        controller.close();
      },
    });
    const first = call(path, {
      method: "PATCH",
      headers: {
        Authorization: alice,
        ...TUS,
        "Content-Type": OCTETS,
        "Upload-Offset": "0",
        "Content-Length": String(bytes.length),
      },
      body: slow,
    });
    // Wait until the first request holds the lease.
    const id = path.split("/").pop();
    for (let i = 0; i < 100; i++) {
      const row = await (await shardD1("t1"))
        .prepare("SELECT lock_token FROM uploads WHERE id = ?")
        .bind(id)
        .first<{ lock_token: string | null }>();
      if (row?.lock_token) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const second = await patch(path, alice, 0, randomBytes(bytes.length, 10));
    expect(second.status).toBe(423);
    release();
    const res = await first;
    expect(res.status).toBe(204);
    const late = await patch(path, alice, 0, randomBytes(bytes.length, 10));
    expect(late.status).toBe(409);
    expectSameBytes(await download(res.headers.get("Location")!, alice), bytes);
  });
});

describe("resumable replace (Upload-Metadata binaryId)", () => {
  it("replaces the bytes of an existing binary: same id, revision + 1, new md5", async () => {
    const original = await upload(alice, "doc.txt", "old bytes");
    const oldKey = (await (
      await shardD1("t1")
    )
      .prepare("SELECT r2_key FROM binaries WHERE id = ?")
      .bind(Number(original.id))
      .first<{ r2_key: string }>())!.r2_key;
    const bytes = randomBytes(6 * MIB, 12);
    const path = await createdPath(alice, bytes.length, { binaryId: original.id, filetype: "application/x-new" });
    const mid = await patch(path, alice, 0, bytes.subarray(0, 3 * MIB));
    expect(mid.status).toBe(204);
    const done = await patch(path, alice, 3 * MIB, bytes.subarray(3 * MIB));
    expect(done.status).toBe(204);
    expect(done.headers.get("Location")).toBe(`http://example.test/inventory/binaries/${original.id}`);
    expect(done.headers.get("ETag")).toBeTruthy();
    const mo = await managedObject(done.headers.get("Location")!, alice);
    expect(mo).toMatchObject({
      id: original.id,
      name: "doc.txt",
      length: bytes.length,
      contentType: "application/x-new",
    });
    expect(mo._attachments["doc.txt"]).toMatchObject({ revpos: 2, digest: `md5-${await md5Base64(bytes)}` });
    expectSameBytes(await download(done.headers.get("Location")!, alice), bytes);
    expect(await env.BUCKET.head(oldKey)).toBeNull();
  });

  it("If-Match is checked at completion: a binary changed meanwhile is 412 and keeps its bytes", async () => {
    const original = await upload(alice, "doc2.txt", "v1");
    const get = await call(`/inventory/binaries/${original.id}`, { headers: { Authorization: alice } });
    const etag = get.headers.get("ETag")!;
    const res = await create(alice, {
      "Upload-Length": "5",
      "Upload-Metadata": metadata({ binaryId: original.id }),
      "If-Match": etag,
    });
    const path = new URL(res.headers.get("Location")!).pathname;
    const put = await call(`/inventory/binaries/${original.id}`, {
      method: "PUT",
      headers: { Authorization: alice, "Content-Type": "text/plain", "Content-Length": "2" },
      body: "v2",
    });
    expect(put.status).toBe(201);
    const done = await patch(path, alice, 0, new TextEncoder().encode("v3..."));
    expect(done.status).toBe(412);
    const now = await call(`/inventory/binaries/${original.id}`, { headers: { Authorization: alice } });
    expect(await now.text()).toBe("v2");
  });

  it("a stale If-Match fails at creation with 412, before any byte is sent; a current one creates", async () => {
    const original = await upload(alice, "doc3.txt", "v1");
    const before = await uploadRows();
    const stale = await create(alice, {
      "Upload-Length": "5",
      "Upload-Metadata": metadata({ binaryId: original.id }),
      "If-Match": '"stale"',
    });
    expect(stale.status).toBe(412);
    expect(stale.headers.get("Location")).toBeNull();
    expect(await uploadRows()).toBe(before);
    const etag = (await call(`/inventory/binaries/${original.id}`, { headers: { Authorization: alice } })).headers.get(
      "ETag",
    )!;
    const current = await create(alice, {
      "Upload-Length": "5",
      "Upload-Metadata": metadata({ binaryId: original.id }),
      "If-Match": etag,
    });
    expect(current.status).toBe(201);
  });

  it("replacing needs write rights on that binary: another user's is 403, another tenant's 404", async () => {
    const original = await upload(alice, "mine.txt", "x");
    const plainBob = await seedUser("t1", "bob2", [Roles.inventoryCreate]);
    expect(
      (await create(plainBob, { "Upload-Length": "1", "Upload-Metadata": metadata({ binaryId: original.id }) })).status,
    ).toBe(403);
    expect(
      (await create(otherTenant, { "Upload-Length": "1", "Upload-Metadata": metadata({ binaryId: original.id }) }))
        .status,
    ).toBe(404);
  });
});
