import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, chunkedStream, md5Base64, randomBytes, seedUser, shardD1, TUS, TUS_OCTETS } from "../../helpers";

/**
 * Resumable bodies of unknown length (`Transfer-Encoding: chunked`, no Content-Length), docs/api.md#resumable-uploads:
 * tus PATCH and the IETF draft's create/append stream them in bounded memory; offset and lookup answers come first;
 * Upload-Length still caps them, and a body that runs past it appends nothing.
 */
const MIB = 1024 * 1024;
const OCTETS = TUS_OCTETS;
const PARTIAL = "application/partial-upload";
let alice: string;

beforeAll(async () => {
  alice = await seedUser("chunky", "alice");
});

const b64 = (text: string) => btoa(text);

async function tusCreate(headers: Record<string, string>): Promise<string> {
  const res = await call("/inventory/binaries/uploads", {
    method: "POST",
    headers: { Authorization: alice, ...TUS, "Upload-Metadata": `filename ${b64("chunked.bin")}`, ...headers },
  });
  expect(res.status).toBe(201);
  return new URL(res.headers.get("Location")!).pathname;
}

/** A PATCH whose body is a stream: no Content-Length, as `Transfer-Encoding: chunked` arrives. */
function chunkedPatch(path: string, offset: number, bytes: Uint8Array, headers: Record<string, string> = {}) {
  return call(path, {
    method: "PATCH",
    headers: { Authorization: alice, ...TUS, "Content-Type": OCTETS, "Upload-Offset": String(offset), ...headers },
    body: chunkedStream(bytes, 100_000),
  });
}

const head = (path: string) => call(path, { method: "HEAD", headers: { Authorization: alice, ...TUS } });

async function binaryAt(location: string): Promise<{ mo: any; bytes: Uint8Array }> {
  const path = new URL(location).pathname;
  const mo = await (
    await call(path.replace("binaries", "managedObjects"), { headers: { Authorization: alice } })
  ).json<any>();
  const bytes = new Uint8Array(await (await call(path, { headers: { Authorization: alice } })).arrayBuffer());
  return { mo, bytes };
}

/** What an append may leave behind: upload rows' progress and the temporary objects in R2. */
async function state() {
  const rows = await (await shardD1("chunky"))
    .prepare("SELECT id, received, parts, tail_key FROM uploads ORDER BY id")
    .all();
  const tails = (await env.BUCKET.list({ prefix: "%resumable/" })).objects.map((o) => o.key).sort();
  return { rows: rows.results, tails };
}

describe("tus PATCH with a chunked body", () => {
  it("a raw chunked PATCH completes a 12 MiB upload across 5 MiB parts, with its MD5", async () => {
    const bytes = randomBytes(12 * MIB + 4321, 71);
    const path = await tusCreate({ "Upload-Length": String(bytes.length) });
    const res = await chunkedPatch(path, 0, bytes);
    expect(res.status).toBe(204);
    expect(res.headers.get("Upload-Offset")).toBe(String(bytes.length));
    const { mo, bytes: stored } = await binaryAt(res.headers.get("Location")!);
    expect(mo.length).toBe(bytes.length);
    expect(mo._attachments["chunked.bin"].digest).toBe(`md5-${await md5Base64(bytes)}`);
    expect(await md5Base64(stored)).toBe(await md5Base64(bytes));
  });

  it("several chunked PATCHes (mid-part cuts), then a Content-Length one, make one file", async () => {
    const bytes = randomBytes(11 * MIB + 5, 72);
    const path = await tusCreate({ "Upload-Length": String(bytes.length) });
    const cuts = [0, 3 * MIB + 17, 8 * MIB, 10 * MIB + 1];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const res = await chunkedPatch(path, cuts[i]!, bytes.subarray(cuts[i], cuts[i + 1]));
      expect(res.status).toBe(204);
      expect(res.headers.get("Upload-Offset")).toBe(String(cuts[i + 1]));
      expect((await head(path)).headers.get("Upload-Offset")).toBe(String(cuts[i + 1]));
    }
    const rest = bytes.subarray(10 * MIB + 1);
    const last = await call(path, {
      method: "PATCH",
      headers: {
        Authorization: alice,
        ...TUS,
        "Content-Type": OCTETS,
        "Upload-Offset": String(10 * MIB + 1),
        "Content-Length": String(rest.length),
      },
      body: rest,
    });
    expect(last.status).toBe(204);
    const { mo, bytes: stored } = await binaryAt(last.headers.get("Location")!);
    expect(mo._attachments["chunked.bin"].digest).toBe(`md5-${await md5Base64(bytes)}`);
    expect(await md5Base64(stored)).toBe(await md5Base64(bytes));
  });

  it("deferred length: chunked PATCHes, the last one declaring Upload-Length", async () => {
    const bytes = randomBytes(3 * MIB + 9, 73);
    const path = await tusCreate({ "Upload-Defer-Length": "1" });
    expect((await chunkedPatch(path, 0, bytes.subarray(0, MIB))).status).toBe(204);
    const res = await chunkedPatch(path, MIB, bytes.subarray(MIB), { "Upload-Length": String(bytes.length) });
    expect(res.status).toBe(204);
    const { bytes: stored, mo } = await binaryAt(res.headers.get("Location")!);
    expect(mo._attachments["chunked.bin"].digest).toBe(`md5-${await md5Base64(bytes)}`);
    expect(await md5Base64(stored)).toBe(await md5Base64(bytes));
  });

  it("a wrong offset with a chunked body is 409 with the current offset; unknown upload 404", async () => {
    const path = await tusCreate({ "Upload-Length": "100" });
    const res = await chunkedPatch(path, 7, randomBytes(50, 1));
    expect(res.status).toBe(409);
    expect(res.headers.get("Upload-Offset")).toBe("0");
    const missing = await chunkedPatch(
      "/inventory/binaries/uploads/0123456789abcdef0123456789abcdef",
      0,
      randomBytes(5, 1),
    );
    expect(missing.status).toBe(404);
  });

  it.each([
    ["within the first part", 100, 101],
    ["after full parts", 6 * MIB, 11 * MIB + 3],
  ])("a chunked PATCH running past Upload-Length (%s) is 400 and appends nothing", async (_label, length, sent) => {
    const path = await tusCreate({ "Upload-Length": String(length) });
    const before = await state();
    const res = await chunkedPatch(path, 0, randomBytes(sent, 2));
    expect(res.status).toBe(400);
    expect((await res.json<any>()).error).toBe("inventory/Invalid Request");
    expect((await head(path)).headers.get("Upload-Offset")).toBe("0");
    expect(await state()).toEqual(before);
  });

  it("a chunked PATCH with a wrong Upload-Checksum is 460 and appends nothing", async () => {
    const bytes = randomBytes(6 * MIB, 3);
    const path = await tusCreate({ "Upload-Length": String(2 * bytes.length) });
    const before = await state();
    const res = await chunkedPatch(path, 0, bytes, { "Upload-Checksum": `md5 ${await md5Base64(randomBytes(9, 9))}` });
    expect(res.status).toBe(460);
    expect((await head(path)).headers.get("Upload-Offset")).toBe("0");
    expect(await state()).toEqual(before);
  });
});

describe("IETF draft with chunked bodies", () => {
  function draftPost(bytes: Uint8Array, headers: Record<string, string>) {
    return call("/inventory/binaries/uploads", {
      method: "POST",
      headers: {
        Authorization: alice,
        "Content-Type": "application/x-tar",
        "Content-Disposition": `inline; filename="camera.tar"`,
        "Upload-Draft-Interop-Version": "8",
        Accept: "application/json",
        ...headers,
      },
      body: chunkedStream(bytes, 70_000),
    });
  }

  it.each([
    ["1 KB", 1000],
    ["12 MiB", 12 * MIB + 99],
  ])(
    "one request of unknown length (Upload-Complete: ?1, chunked), %s, creates the binary with its MD5",
    async (_label, size) => {
      const bytes = randomBytes(size, 74);
      const res = await draftPost(bytes, { "Upload-Complete": "?1" });
      expect(res.status).toBe(201);
      expect(res.headers.get("Upload-Complete")).toBe("?1");
      const mo = await res.json<any>();
      expect(mo).toMatchObject({ name: "camera.tar", contentType: "application/x-tar", length: size });
      expect(mo._attachments["camera.tar"].digest).toBe(`md5-${await md5Base64(bytes)}`);
      const { bytes: stored } = await binaryAt(res.headers.get("Location")!);
      expect(await md5Base64(stored)).toBe(await md5Base64(bytes));
    },
  );

  it("create with a chunked part (?0), then append chunked and complete (?1)", async () => {
    const bytes = randomBytes(7 * MIB + 3, 75);
    const created = await draftPost(bytes.subarray(0, 2 * MIB + 1), { "Upload-Complete": "?0" });
    expect(created.status).toBe(201);
    expect(created.headers.get("Upload-Offset")).toBe(String(2 * MIB + 1));
    const path = new URL(created.headers.get("Location")!).pathname;
    const done = await call(path, {
      method: "PATCH",
      headers: {
        Authorization: alice,
        "Content-Type": PARTIAL,
        "Upload-Offset": String(2 * MIB + 1),
        "Upload-Complete": "?1",
        Accept: "application/json",
      },
      body: chunkedStream(bytes.subarray(2 * MIB + 1), 65_536),
    });
    expect(done.status).toBe(201);
    const mo = await done.json<any>();
    expect(mo).toMatchObject({ length: bytes.length });
    expect(mo._attachments["camera.tar"].digest).toBe(`md5-${await md5Base64(bytes)}`);
  });

  it("a chunked completion that disagrees with Upload-Length is 400 and appends nothing", async () => {
    const created = await draftPost(randomBytes(10, 1), { "Upload-Complete": "?0", "Upload-Length": "30" });
    const path = new URL(created.headers.get("Location")!).pathname;
    const before = await state();
    const res = await call(path, {
      method: "PATCH",
      headers: { Authorization: alice, "Content-Type": PARTIAL, "Upload-Offset": "10", "Upload-Complete": "?1" },
      body: chunkedStream(randomBytes(5, 2), 2),
    });
    expect(res.status).toBe(400);
    expect(await state()).toEqual(before);
  });
});
