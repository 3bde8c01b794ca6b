import { beforeAll, describe, expect, it } from "vitest";
import { call, concat, md5Base64, randomBytes, seedUser } from "../../helpers";
import { OCTET, pythonSession, requestsFiles } from "./python-requests";

/**
 * Uploads labelled with Cumulocity-style types, replayed from what each client's code sends.
 *
 * - Python SDK (c8y_api 2.x, model/binaries.py and _base_api.py): `Binary(type=…).create()` and
 *   `Binaries.upload(file, name, type)` both call `post_file(…, content_type=contentType or type)`,
 *   which builds `files = {'object': (None, json), 'file': (None, f, content_type or
 *   'application/octet-stream')}`: urllib3 multipart, `object` first without a Content-Type, `file`
 *   without a filename and with the managed object's type as its Content-Type. `Binary.update()`
 *   PUTs with that same Content-Type. Session header `Accept: application/json`.
 * - go-c8y-cli `binaries create --file … --type …` (pkg/flags/formdata.go): the type only goes into
 *   the `object` part (`--type ''` counts as set); the file part keeps the MIME type of its extension.
 * - Java SDK (java-client, Jersey 1 RestConnector): `replaceFile(id, contentType, stream)` sets the
 *   String as the Content-Type unchanged (`type(String)`); `uploadFile(container, bytes)` with a
 *   container that has only a name sends `{"name":…}` (svenson leaves null fields out).
 *
 * Each of these was refused with 400 before labels stopped being a gate (docs/api.md#upload-post).
 */

const enc = new TextEncoder();
let auth: string;

beforeAll(async () => {
  auth = await seedUser("labels", "lab");
});

const python = (extra: Record<string, string> = {}) => pythonSession(auth, extra);

/** `c8y_api` post_file: `content_type or 'application/octet-stream'`. */
async function pythonPostFile(object: Record<string, unknown>, file: Uint8Array, contentType: string) {
  const form = requestsFiles(object, file, contentType || OCTET);
  return call("/inventory/binaries", {
    method: "POST",
    body: form.body,
    headers: python({ "Content-Type": form.contentType }),
  });
}

async function download(id: string) {
  const res = await call(`/inventory/binaries/${id}`, { headers: python() });
  expect(res.status).toBe(200);
  return { type: res.headers.get("Content-Type"), bytes: new Uint8Array(await res.arrayBuffer()) };
}

describe("Python SDK uploads labelled with the managed object's type", () => {
  it("Binary(type='c8y_Firmware', name='fw.bin', file=…).create(): stored, listed by type, same bytes", async () => {
    const firmware = randomBytes(70_000, 16);
    // to_full_json(): name, type and the contentType fragment the constructor set (content_type or type).
    const object = { name: "fw.bin", type: "c8y_Firmware", contentType: "c8y_Firmware" };
    const res = await pythonPostFile(object, firmware, "c8y_Firmware");
    expect(res.status).toBe(201);
    const mo = await res.json<any>();
    expect(mo).toMatchObject({ name: "fw.bin", type: "c8y_Firmware", contentType: "c8y_Firmware", length: 70_000 });
    expect(mo._attachments["fw.bin"].digest).toBe(`md5-${await md5Base64(firmware)}`);

    const listed = await call("/inventory/binaries?type=c8y_Firmware&pageSize=100", { headers: python() });
    expect((await listed.json<any>()).managedObjects.map((m: any) => m.id)).toContain(mo.id);
    // The label is kept, but only a media type is sent back as a header.
    const got = await download(mo.id);
    expect(got.type).toBe(OCTET);
    expect(got.bytes).toEqual(firmware);

    // Binary.update(): put_file with the same label.
    const replaced = await call(`/inventory/binaries/${mo.id}`, {
      method: "PUT",
      body: "v2",
      headers: python({ "Content-Type": "c8y_Firmware" }),
    });
    expect(replaced.status).toBe(201);
    expect(await replaced.json()).toMatchObject({ id: mo.id, contentType: "c8y_Firmware", length: 2 });
    expect((await download(mo.id)).bytes).toEqual(enc.encode("v2"));
  });

  it.each([
    ["c8y_Firmware", "c8y_Firmware", "c8y_Firmware"],
    ["c8y Firmware", "c8y Firmware", "c8y Firmware"],
    ["an empty type", "", OCTET],
    ["a 300-character type", `c8y_${"T".repeat(296)}`, OCTET],
  ])("Binaries.upload(file, name, type) with %s", async (_label, type, stored) => {
    const bytes = enc.encode(`firmware labelled ${type.length}`);
    const res = await pythonPostFile({ type, name: "up.bin" }, bytes, type);
    expect(res.status).toBe(201);
    const mo = await res.json<any>();
    expect(mo).toMatchObject({ name: "up.bin", type, contentType: stored, length: bytes.length });
    expect((await download(mo.id)).bytes).toEqual(bytes);
    if (type) {
      const listed = await call(`/inventory/binaries?type=${encodeURIComponent(type)}`, { headers: python() });
      expect((await listed.json<any>()).managedObjects.map((m: any) => m.id)).toContain(mo.id);
    }
  });
});

/** Go's mime/multipart as go-c8y sends FormData: sorted keys, `file` with its filename first. */
function goForm(filename: string, fileType: string, file: Uint8Array, object: unknown) {
  const boundary = "8d5e3c1a9b7f6e4d2c0b8a6f4e2d0c9b7a5f3e1d2c4b6a8f0e9d7c5b3a1f";
  const body = concat([
    enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n`),
    enc.encode(`Content-Type: ${fileType}\r\n\r\n`),
    file,
    enc.encode(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="object"\r\n\r\n${JSON.stringify(object)}`),
    enc.encode(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

describe("go-c8y-cli binaries create --type", () => {
  it.each([
    ["--type c8y_Firmware", "c8y_Firmware"],
    ["--type 'c8y Firmware'", "c8y Firmware"],
    ["--type ''", ""],
  ])("%s on a .bin file", async (_label, type) => {
    const bytes = randomBytes(3000, type.length + 1);
    // WithFileBaseName -> name, WithFileMIMEType -> the flag's value; the part keeps the extension's MIME type.
    const form = goForm("image.bin", OCTET, bytes, { name: "image.bin", type });
    const res = await call("/inventory/binaries", {
      method: "POST",
      body: form.body,
      headers: { Authorization: auth, Accept: "application/json", "Content-Type": form.contentType },
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ name: "image.bin", type, contentType: OCTET, length: 3000 });
  });
});

describe("Java SDK shapes", () => {
  it("uploadFile(container with only a name, bytes) and replaceFile(id, 'c8y_Firmware', stream)", async () => {
    const boundary = "Boundary_7_1208765123_1764300000001";
    const body = concat([
      enc.encode(`--${boundary}\r\nContent-Type: application/json\r\nContent-Disposition: form-data; name="object"`),
      enc.encode(`\r\n\r\n{"name":"agent.jar"}\r\n--${boundary}\r\nContent-Type: ${OCTET}\r\n`),
      enc.encode(`Content-Disposition: form-data; name="file"\r\n\r\nPK\u0003\u0004\r\n--${boundary}--\r\n`),
    ]);
    const created = await call("/inventory/binaries", {
      method: "POST",
      body,
      headers: {
        Authorization: auth,
        "Content-Type": `multipart/form-data;boundary=${boundary}`,
        Accept: "application/json",
        "MIME-Version": "1.0",
      },
    });
    expect(created.status).toBe(201);
    const mo = await created.json<any>();
    expect(mo).toMatchObject({ name: "agent.jar", type: "", contentType: OCTET, length: 4 });

    for (const label of ["c8y_Firmware", "c8y Firmware"]) {
      const replaced = await call(`/inventory/binaries/${mo.id}`, {
        method: "PUT",
        body: `new ${label}`,
        headers: { Authorization: auth, "Content-Type": label, Accept: "application/json" },
      });
      expect(replaced.status).toBe(201);
      expect(await replaced.json()).toMatchObject({ id: mo.id, contentType: label });
      const got = await call(`/inventory/binaries/${mo.id}`, { headers: { Authorization: auth } });
      expect(got.headers.get("Content-Type")).toBe(OCTET);
      expect(await got.text()).toBe(`new ${label}`);
    }
  });
});

describe("tus uploads labelled by their metadata", () => {
  const b64 = (text: string) => btoa(String.fromCharCode(...enc.encode(text)));
  it.each([
    ["c8y_Firmware", "c8y_Firmware"],
    ["a line break", OCTET],
  ])("tus-js-client with metadata.filetype %s: the upload is stored", async (label, stored) => {
    const filetype = label === "a line break" ? "text/plain\r\nX-Injected: 1" : label;
    const res = await call("/inventory/binaries/uploads", {
      method: "POST",
      body: "tus!",
      headers: {
        Authorization: auth,
        "Tus-Resumable": "1.0.0",
        "Upload-Length": "4",
        "Upload-Metadata": `filename ${b64("fw.tus")},filetype ${b64(filetype)}`,
        "Content-Type": "application/offset+octet-stream",
      },
    });
    expect(res.status).toBe(201);
    const location = res.headers.get("Location")!;
    const status = await call(new URL(location).pathname, {
      method: "HEAD",
      headers: { Authorization: auth, "Tus-Resumable": "1.0.0" },
    });
    const binary = new URL(status.headers.get("Content-Location")!).pathname;
    const mo = await (await call(binary.replace("binaries", "managedObjects"), { headers: python() })).json<any>();
    expect(mo).toMatchObject({ name: "fw.tus", contentType: stored, length: 4 });
    const got = await call(binary, { headers: { Authorization: auth } });
    expect(got.headers.get("X-Injected")).toBeNull();
    expect(await got.text()).toBe("tus!");
  });
});
