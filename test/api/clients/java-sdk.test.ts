import { beforeAll, describe, expect, it } from "vitest";
import { BASE, call, concat, md5Base64, randomBytes, seedUser } from "../../helpers";

/**
 * The requests the Cumulocity Java SDK (cumulocity-clients-java, java-client: PlatformImpl,
 * BinariesApiImpl, RestConnector, Jersey's MultiPartWriter) sends, replayed byte for byte. Every
 * API getter first reads GET /platform; the binaries URL is inventory.managedObjects.self with
 * "managedObjects" replaced by "binaries".
 */

const enc = new TextEncoder();
const MEDIA = (name: string) => `application/vnd.com.nsn.cumulocity.${name}+json;charset=UTF-8;ver=0.9`;
let auth: string;

beforeAll(async () => {
  auth = await seedUser("java", "jdoe");
});

/** Jersey's MultiPartWriter: Content-Type before Content-Disposition, CRLF framing, no filename. */
function jerseyMultipart(parts: { name: string; type: string; body: Uint8Array | string }[]) {
  const boundary = "Boundary_1_1208765123_1764300000000";
  const chunks: Uint8Array[] = [];
  parts.forEach((part, i) => {
    const opening = `${i === 0 ? "" : "\r\n"}--${boundary}\r\n`;
    const head = `${opening}Content-Type: ${part.type}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n`;
    chunks.push(enc.encode(head), typeof part.body === "string" ? enc.encode(part.body) : part.body);
  });
  chunks.push(enc.encode(`\r\n--${boundary}--\r\n`));
  return { body: concat(chunks), contentType: `multipart/form-data;boundary=${boundary}` };
}

const path = (url: string) => {
  expect(url.startsWith(BASE)).toBe(true);
  return url.slice(BASE.length);
};

describe("Java SDK request shapes", () => {
  it("PlatformImpl reads /platform; upload (postFile, postFileAsStream), replace, download, list, delete", async () => {
    const platform = await call("/platform", { headers: { Authorization: auth, Accept: MEDIA("platformApi") } });
    expect(platform.status).toBe(200);
    const api = await platform.json<any>();
    const binariesUrl = api.inventory.managedObjects.self.replace("managedObjects", "binaries");
    expect(binariesUrl).toBe(`${BASE}/inventory/binaries`);

    // BinariesApiImpl.uploadFile(container, byte[]): object, filesize, file.
    const bytes = randomBytes(70_000, 42);
    const object = JSON.stringify({ name: "config.bin", type: "c8y_JavaUpload", c8y_Java: { v: 1 } });
    const postFile = jerseyMultipart([
      { name: "object", type: "application/json", body: object },
      { name: "filesize", type: "text/plain", body: String(bytes.length) },
      { name: "file", type: "application/octet-stream", body: bytes },
    ]);
    const created = await call(path(binariesUrl), {
      method: "POST",
      body: postFile.body,
      headers: {
        Authorization: auth,
        "Content-Type": postFile.contentType,
        Accept: "application/json",
        "MIME-Version": "1.0",
      },
    });
    expect(created.status).toBe(201);
    const mo = await created.json<any>();
    expect(mo).toMatchObject({ name: "config.bin", type: "c8y_JavaUpload", length: bytes.length, c8y_Java: { v: 1 } });
    expect(mo._attachments["config.bin"].digest).toBe(`md5-${await md5Base64(bytes)}`);

    // uploadFile(container, InputStream) without filesize; requireResponseBody=false sends Accept: */*.
    const stream = jerseyMultipart([
      { name: "object", type: "application/json", body: JSON.stringify({ name: "s.bin", type: "t" }) },
      { name: "file", type: "application/octet-stream", body: "streamed" },
    ]);
    const streamed = await call(path(binariesUrl), {
      method: "POST",
      body: stream.body,
      headers: { Authorization: auth, "Content-Type": stream.contentType, Accept: "*/*", "MIME-Version": "1.0" },
    });
    expect(streamed.status).toBe(201);
    expect((await streamed.json<any>()).length).toBe(8);

    // replaceFile: PUT raw stream, Accept managedObject; parsed from a 201.
    const replaced = await call(`${path(binariesUrl)}/${mo.id}`, {
      method: "PUT",
      body: "a,b\n1,2\n",
      headers: { Authorization: auth, "Content-Type": "text/csv", Accept: MEDIA("managedObject") },
    });
    expect(replaced.status).toBe(201);
    expect(await replaced.json()).toMatchObject({ id: mo.id, contentType: "text/csv", length: 8 });

    // downloadFile: Accept application/octet-stream.
    const download = await call(`${path(binariesUrl)}/${mo.id}`, {
      headers: { Authorization: auth, Accept: "application/octet-stream" },
    });
    expect(download.status).toBe(200);
    expect(await download.text()).toBe("a,b\n1,2\n");

    // InventoryApi: the managed object collection from managedObjects.self, with paging and a fragment filter.
    const page = await call(`${path(api.inventory.managedObjects.self)}?pageSize=5&fragmentType=c8y_Java`, {
      headers: { Authorization: auth, Accept: MEDIA("managedObjectCollection") },
    });
    expect(page.status).toBe(200);
    expect((await page.json<any>()).managedObjects.map((m: any) => m.id)).toEqual([mo.id]);

    // deleteFile: Accept */*, expects 204.
    const deleted = await call(`${path(binariesUrl)}/${mo.id}`, {
      method: "DELETE",
      headers: { Authorization: auth, Accept: "*/*" },
    });
    expect(deleted.status).toBe(204);
  });

  it("UserApiImpl.getCurrentUser and updateCurrentUser use user.currentUser from /platform", async () => {
    const api = await (
      await call("/platform", { headers: { Authorization: auth, Accept: MEDIA("platformApi") } })
    ).json<any>();
    const res = await call(path(api.user.currentUser), {
      headers: { Authorization: auth, Accept: MEDIA("currentUser") },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe(MEDIA("currentUser"));
    const me = await res.json<any>();
    expect(me.userName).toBe("jdoe");
    expect(me.effectiveRoles.length).toBeGreaterThan(0);
    const updated = await call(path(api.user.currentUser), {
      method: "PUT",
      body: JSON.stringify({ ...me, lastName: "Doe" }),
      headers: { Authorization: auth, "Content-Type": MEDIA("currentUser"), Accept: MEDIA("currentUser") },
    });
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({ userName: "jdoe", lastName: "Doe" });
  });
});
