import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { Roles } from "../../../src/c8y/roles";
import {
  call,
  chunkedStream,
  concat,
  digestOf,
  generatedMultipart,
  md5Base64,
  multipartBody,
  r2KeyOf,
  randomBytes,
  seedUser,
  storeCounts,
} from "../../helpers";

let admin: string;
beforeAll(async () => {
  admin = await seedUser("t1", "alice");
});

function post(body: BodyInit, contentType: string, extra: Record<string, string> = {}): Promise<Response> {
  return fetchPost(body, { "Content-Type": contentType, Authorization: admin, Accept: "application/json", ...extra });
}
function fetchPost(body: BodyInit, headers: Record<string, string>): Promise<Response> {
  return call("/inventory/binaries", { method: "POST", body, headers });
}

async function download(id: string): Promise<Uint8Array> {
  const res = await call(`/inventory/binaries/${id}`, { headers: { Authorization: admin } });
  expect(res.status).toBe(200);
  return new Uint8Array(await res.arrayBuffer());
}

async function expectRejected(res: Response, status: number, before: { rows: number; objects: number }) {
  expect(res.status).toBe(status);
  expect(res.headers.get("Content-Type")).toMatch(/^application\/vnd\.com\.nsn\.cumulocity\.error\+json/);
  const body = await res.json<{ error: string; message: string }>();
  expect(body.error).toMatch(/^inventory\//);
  expect(body.message.length).toBeGreaterThan(0);
  expect(await storeCounts()).toEqual(before);
}

describe("POST /inventory/binaries accepts every shape real clients send", () => {
  it("file first, no filesize (the official client's shape)", async () => {
    const bytes = randomBytes(3000);
    const { body, contentType } = multipartBody([
      { name: "file", value: bytes, filename: "data.bin", contentType: "application/x-test" },
      { name: "object", value: JSON.stringify({ name: "data.bin", type: "c8y_upload", c8y_Extra: { a: 1 } }) },
    ]);
    const res = await post(body, contentType);
    expect(res.status).toBe(201);
    const mo = await res.json<Record<string, any>>();
    expect(res.headers.get("Location")).toBe(`http://example.test/inventory/binaries/${mo.id}`);
    expect(res.headers.get("Content-Type")).toBe(
      "application/vnd.com.nsn.cumulocity.managedObject+json;charset=UTF-8;ver=0.9",
    );
    expect(mo).toMatchObject({
      self: `http://example.test/inventory/binaries/${mo.id}`,
      name: "data.bin",
      type: "c8y_upload",
      owner: "alice",
      length: 3000,
      contentType: "application/x-test",
      c8y_IsBinary: "",
      c8y_Extra: { a: 1 },
    });
    expect(mo._attachments["data.bin"]).toEqual({
      stub: true,
      length: 3000,
      digest: `md5-${await md5Base64(bytes)}`,
      revpos: 1,
      content_type: "application/x-test",
    });
    expect(await download(mo.id)).toEqual(bytes);
  });

  it("object and filesize first, then file (one known-length put)", async () => {
    const bytes = randomBytes(70_000, 7);
    const { body, contentType } = multipartBody([
      { name: "object", value: JSON.stringify({ name: "a.bin", type: "t" }), contentType: "application/json" },
      { name: "filesize", value: "70000" },
      { name: "file", value: bytes, filename: "a.bin" },
    ]);
    const res = await post(body, contentType);
    expect(res.status).toBe(201);
    const mo = await res.json<Record<string, any>>();
    expect(mo.length).toBe(70_000);
    expect(mo.contentType).toBe("application/octet-stream");
    expect(await download(mo.id)).toEqual(bytes);
  });

  it("a chunked body with no Content-Length", async () => {
    const bytes = randomBytes(300_000, 3);
    const { body, contentType } = multipartBody([
      { name: "file", value: bytes },
      { name: "object", value: JSON.stringify({ name: "c.bin", type: "t" }) },
    ]);
    const res = await post(chunkedStream(body, 1000), contentType);
    expect(res.status).toBe(201);
    const mo = await res.json<Record<string, any>>();
    expect(mo._attachments["c.bin"].digest).toBe(`md5-${await md5Base64(bytes)}`);
    expect(await download(mo.id)).toEqual(bytes);
  });

  it.each([
    ["space before boundary", (b: string) => `multipart/form-data; boundary=${b}`],
    ["no space", (b: string) => `multipart/form-data;boundary=${b}`],
    ["quoted", (b: string) => `multipart/form-data; boundary="${b}"`],
  ])("boundary parameter: %s", async (_label, header) => {
    const { body } = multipartBody(
      [
        { name: "object", value: '{"name":"q","type":"t"}' },
        { name: "file", value: "x" },
      ],
      "b0undary",
    );
    const res = await post(body, header("b0undary"));
    expect(res.status).toBe(201);
  });

  it("files larger than one part go through an R2 multipart upload, whole and intact", async () => {
    const size = 11 * 1024 * 1024 + 123;
    const boundary = "bigboundary";
    const { body, md5 } = generatedMultipart(
      size,
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n`,
      `\r\n--${boundary}\r\nContent-Disposition: form-data; name="object"\r\n\r\n` +
        `{"name":"big.bin","type":"t"}\r\n--${boundary}--\r\n`,
    );
    const res = await post(body, `multipart/form-data; boundary=${boundary}`);
    expect(res.status).toBe(201);
    const mo = await res.json<Record<string, any>>();
    expect(mo.length).toBe(size);
    expect(mo._attachments["big.bin"].digest).toBe(`md5-${await md5}`);
    const downloaded = await call(`/inventory/binaries/${mo.id}`, { headers: { Authorization: admin } });
    expect(await digestOf(downloaded)).toEqual({ length: size, md5: await md5 });
  });

  it("a filesize above SINGLE_PUT_MAX_BYTES (6 MiB in tests) takes the multipart path, intact", async () => {
    const size = 7 * 1024 * 1024 + 3;
    const { body, md5 } = generatedMultipart(
      size,
      `--zz\r\nContent-Disposition: form-data; name="object"\r\n\r\n{"name":"f.bin","type":"t"}\r\n--zz\r\n` +
        `Content-Disposition: form-data; name="filesize"\r\n\r\n${size}\r\n--zz\r\nContent-Disposition: ` +
        `form-data; name="file"; filename="f.bin"\r\n\r\n`,
      "\r\n--zz--\r\n",
    );
    const res = await post(body, "multipart/form-data; boundary=zz");
    expect(res.status).toBe(201);
    const mo = await res.json<Record<string, any>>();
    expect(mo._attachments["f.bin"]).toMatchObject({ length: size, digest: `md5-${await md5}` });
    // R2 gives multipart objects no MD5 of their own: proof of the path taken.
    expect((await env.BUCKET.head(await r2KeyOf("t1", mo.id)))!.checksums.md5).toBeUndefined();
    expect(await digestOf(await call(`/inventory/binaries/${mo.id}`, { headers: { Authorization: admin } }))).toEqual({
      length: size,
      md5: await md5,
    });
  });

  it("answers 201 with an empty body and a Location when the client does not ask for JSON", async () => {
    const { body, contentType } = multipartBody([
      { name: "object", value: '{"name":"n","type":"t"}' },
      { name: "file", value: "x" },
    ]);
    const res = await fetchPost(body, { "Content-Type": contentType, Authorization: admin });
    expect(res.status).toBe(201);
    expect(res.headers.get("Location")).toMatch(/\/inventory\/binaries\/\d+$/);
    expect(await res.text()).toBe("");
  });

  it("ignores reserved fields sent in object", async () => {
    const { body, contentType } = multipartBody([
      {
        name: "object",
        value: JSON.stringify({
          name: "r",
          type: "t",
          id: "1",
          owner: "mallory",
          length: 5,
          c8y_IsBinary: "x",
          _attachments: {},
        }),
      },
      { name: "file", value: "abc" },
    ]);
    const mo = await (await post(body, contentType)).json<Record<string, any>>();
    expect(mo.id).not.toBe("1");
    expect(mo.owner).toBe("alice");
    expect(mo.length).toBe(3);
  });

  it("hands out ascending ids", async () => {
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { body, contentType } = multipartBody([
        { name: "object", value: '{"name":"n","type":"t"}' },
        { name: "file", value: "x" },
      ]);
      ids.push(Number((await (await post(body, contentType)).json<{ id: string }>()).id));
    }
    expect(ids[1]).toBeGreaterThan(ids[0]!);
    expect(ids[2]).toBeGreaterThan(ids[1]!);
  });
});

describe("bad uploads are refused and leave no row and no object", () => {
  const good = { name: "object", value: JSON.stringify({ name: "x", type: "t" }) };
  const file = { name: "file", value: randomBytes(5000), filename: "x.bin" };
  const cases: [string, () => { body: BodyInit; contentType: string }, number][] = [
    [
      "filesize larger than the file (filesize first)",
      () => multipartBody([good, { name: "filesize", value: "6000" }, file]),
      400,
    ],
    [
      "filesize smaller than the file (filesize first)",
      () => multipartBody([good, { name: "filesize", value: "10" }, file]),
      400,
    ],
    ["filesize differs (filesize last)", () => multipartBody([file, good, { name: "filesize", value: "4999" }]), 400],
    ["filesize not a number", () => multipartBody([{ name: "filesize", value: "12abc" }, good, file]), 400],
    ["object is not JSON", () => multipartBody([file, { name: "object", value: "{name:" }]), 400],
    ["object is a JSON array", () => multipartBody([file, { name: "object", value: "[1,2]" }]), 400],
    ["object without a name", () => multipartBody([file, { name: "object", value: '{"type":"t"}' }]), 400],
    ["no object part", () => multipartBody([file]), 400],
    ["no file part", () => multipartBody([good]), 400],
    ["two file parts", () => multipartBody([good, file, file]), 400],
    [
      "object part over the size cap",
      () =>
        multipartBody([
          { name: "object", value: JSON.stringify({ name: "x", type: "t", pad: "p".repeat(70_000) }) },
          file,
        ]),
      413,
    ],
    [
      "truncated body",
      () => {
        const { body, contentType } = multipartBody([good, file]);
        return { body: body.subarray(0, body.length - 100), contentType };
      },
      400,
    ],
    [
      "truncated, chunked, file first",
      () => {
        const { body, contentType } = multipartBody([file, good]);
        return { body: chunkedStream(body.subarray(0, 3000), 512), contentType };
      },
      400,
    ],
    [
      "garbage instead of multipart",
      () => ({ body: "this is not multipart", contentType: "multipart/form-data; boundary=zzz" }),
      400,
    ],
    ["no boundary", () => ({ body: multipartBody([good, file]).body, contentType: "multipart/form-data" }), 400],
    ["not multipart at all", () => ({ body: '{"name":"x"}', contentType: "application/json" }), 415],
  ];

  it.each(cases)("%s", async (_label, make, status) => {
    const before = await storeCounts();
    const { body, contentType } = make();
    await expectRejected(await post(body, contentType), status, before);
  });

  it("filesize mismatch on the multipart (unknown length) path removes the uploaded parts", async () => {
    const before = await storeCounts();
    const { body } = generatedMultipart(
      6 * 1024 * 1024,
      `--zz\r\nContent-Disposition: form-data; name="file"\r\n\r\n`,
      `\r\n--zz\r\nContent-Disposition: form-data; name="object"\r\n\r\n{"name":"x","type":"t"}\r\n--zz\r\n` +
        `Content-Disposition: form-data; name="filesize"\r\n\r\n1\r\n--zz--\r\n`,
    );
    await expectRejected(await post(body, "multipart/form-data; boundary=zz"), 400, before);
  });

  it("a filesize above SINGLE_PUT_MAX_BYTES that the file does not match leaves nothing", async () => {
    const before = await storeCounts();
    const { body } = generatedMultipart(
      7 * 1024 * 1024,
      `--zz\r\nContent-Disposition: form-data; name="object"\r\n\r\n{"name":"x","type":"t"}\r\n--zz\r\n` +
        `Content-Disposition: form-data; name="filesize"\r\n\r\n${8 * 1024 * 1024}\r\n--zz\r\n` +
        `Content-Disposition: form-data; name="file"\r\n\r\n`,
      "\r\n--zz--\r\n",
    );
    await expectRejected(await post(body, "multipart/form-data; boundary=zz"), 400, before);
  });

  it("a body cut inside a large multipart upload leaves nothing", async () => {
    const before = await storeCounts();
    const { body } = generatedMultipart(
      11 * 1024 * 1024,
      `--zz\r\nContent-Disposition: form-data; name="file"\r\n\r\n`,
      "",
    );
    await expectRejected(await post(body, "multipart/form-data; boundary=zz"), 400, before);
  });

  it("403 without ADMIN or CREATE, and nothing stored", async () => {
    const reader = await seedUser("t1", "reader", [Roles.inventoryRead]);
    const before = await storeCounts();
    const { body, contentType } = multipartBody([good, file]);
    const res = await fetchPost(body, { "Content-Type": contentType, Authorization: reader });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "security/Forbidden" });
    expect(await storeCounts()).toEqual(before);
  });
});

describe("R2 layout", () => {
  it("stores bytes under {tenant}/{uuid} keys, which do not depend on the id", async () => {
    const { body, contentType } = multipartBody([
      { name: "object", value: '{"name":"k","type":"t"}' },
      { name: "file", value: concat([randomBytes(10)]) },
    ]);
    const mo = await (await post(body, contentType)).json<{ id: string }>();
    const key = await r2KeyOf("t1", mo.id);
    expect(key).toMatch(/^t1\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect((await env.BUCKET.head(key))!.size).toBe(10);
  });
});
