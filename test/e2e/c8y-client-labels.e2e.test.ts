/// <reference types="node" />
/**
 * The official @c8y/client in Node (docs/api.md#upload-post) uploading with Cumulocity-style types:
 * `inventoryBinary.create(Buffer, { type: 'c8y_Firmware' })` sends the file part first with
 * filename `bin` and `Content-Type: application/octet-stream` (the npm `form-data` package's
 * default for that name), the managed object second. A Blob (here of type '') cannot be sent by
 * the Node build at all: `form-data` expects a stream or a Buffer and fails before any request
 * ("source.on is not a function"), so nothing reaches the service; in a browser the same call
 * goes through the browser's FormData (test/e2e/files-page.e2e.test.ts drives that path).
 */
import { createHash } from "node:crypto";
import { Client } from "@c8y/client";
import { beforeAll, describe, expect, inject, it } from "vitest";

const baseUrl = inject("baseUrl");
const credentials = { tenant: "management", user: "admin", password: "admin" };
const auth = { Authorization: `Basic ${Buffer.from("management/admin:admin").toString("base64")}` };
const md5 = (bytes: Uint8Array) => createHash("md5").update(bytes).digest("base64");

describe("@c8y/client uploads labelled with Cumulocity types", () => {
  let client: Client;
  beforeAll(async () => {
    client = await Client.authenticate(credentials, baseUrl);
  });

  it.each(["c8y_Firmware", "c8y Firmware", ""])("a Buffer with type %j is stored and read back", async (type) => {
    const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7 + type.length) % 256));
    const { res, data } = await client.inventoryBinary.create(bytes, { name: "fw-client.bin", type });
    expect(res.status).toBe(201);
    // An empty type is replaced by the client itself (`fileType || 'c8y_upload'`).
    expect(data).toMatchObject({ name: "fw-client.bin", type: type || "c8y_upload", length: 5000 });
    expect(data.contentType).toBe("application/octet-stream");
    const download = await client.inventoryBinary.download(String(data.id));
    expect(md5(Buffer.from(await download.arrayBuffer()))).toBe(md5(bytes));
    if (type) {
      const listed = await fetch(`${baseUrl}/inventory/binaries?type=${encodeURIComponent(type)}&pageSize=100`, {
        headers: auth,
      });
      expect(((await listed.json()) as any).managedObjects.map((m: any) => m.id)).toContain(String(data.id));
    }
  });

  it("a Blob of type '' fails inside the Node client before any request reaches the service", async () => {
    const count = async () => {
      const res = await fetch(`${baseUrl}/inventory/binaries?pageSize=1&withTotalElements=true`, { headers: auth });
      return ((await res.json()) as any).statistics.totalElements as number;
    };
    const before = await count();
    await expect(
      client.inventoryBinary.create(new Blob(["blob bytes"], { type: "" }) as any, { name: "b.bin", type: "t" }),
    ).rejects.toThrow(/source\.on is not a function/);
    expect(await count()).toBe(before);
  });
});
