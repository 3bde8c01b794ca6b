/// <reference types="node" />
/**
 * The official Cumulocity TypeScript client (@c8y/client), unmodified, against the running
 * service (a real client that works against Cumulocity must work against us unchanged).
 *
 * It logs in (GET /tenant/currentTenant), uploads files the way the client does (multipart,
 * `file` part first, `object` second, no `filesize`), walks the collection with the client's own
 * paging (which reads `currentPage=N` out of the `next` link), downloads, edits the metadata
 * through /inventory/managedObjects, deletes, and checks that a wrong password is refused.
 *
 * The service is started by test/e2e/global-setup.ts with an empty database, so this file sees
 * only its own binaries. Contents are binary (not text) on purpose: workerd gzips text
 * responses for clients that accept gzip, which is not what these tests are about.
 */

import { createHash } from "node:crypto";
import { Client, type IManagedObjectBinary } from "@c8y/client";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { randomBytes } from "../bytes";

const baseUrl = inject("baseUrl");
const credentials = { tenant: "management", user: "admin", password: "admin" };

/** Deterministic pseudo-random bytes as a Buffer, so a failure is reproducible. */
const bytes = (length: number, seed: number): Buffer => Buffer.from(randomBytes(length, seed));

const md5Base64 = (data: Buffer) => createHash("md5").update(data).digest("base64");

/** The client throws `{ res, data }` for any status >= 400; this returns that status. */
async function statusOfFailure(promise: Promise<unknown>): Promise<{ status: number; data: unknown }> {
  try {
    await promise;
  } catch (error) {
    const { res, data } = error as { res?: { status: number }; data?: unknown };
    if (res) return { status: res.status, data };
    throw error;
  }
  throw new Error("the call succeeded but a failure was expected");
}

// Sizes cover 1 byte, a few KiB, and one file above the 8 MiB part size (R2 multipart path).
const files = [
  { name: "one-byte.bin", size: 1 },
  { name: "small.bin", size: 1_000 },
  { name: "firmware-v1.2.bin", size: 65_536 },
  { name: "Übersicht änderung.bin", size: 100_003 },
  { name: "manual.pdf", size: 250_000 },
  { name: "image.bin", size: 1_048_577 },
  { name: "big.bin", size: 9 * 1024 * 1024 + 7 },
].map((file, index) => ({ ...file, type: `e2e_type_${index % 2}`, content: bytes(file.size, index + 1) }));

describe("@c8y/client against the local service", () => {
  let client: Client;
  const created: IManagedObjectBinary[] = [];

  beforeAll(async () => {
    client = await Client.authenticate(credentials, baseUrl);
  });

  it("logs in and learns the tenant from /tenant/currentTenant", () => {
    expect(client.core.tenant).toBe("management");
  });

  it("refuses a wrong password", async () => {
    await expect(Client.authenticate({ ...credentials, password: "wrong" }, baseUrl)).rejects.toMatchObject({
      res: { status: 401 },
    });
  });

  it("uploads files with inventoryBinary.create", async () => {
    for (const [index, file] of files.entries()) {
      const { res, data } = await client.inventoryBinary.create(file.content, {
        name: file.name,
        type: file.type,
        c8y_E2e: { index, tags: ["a", "b"] },
      });
      expect(res.status).toBe(201);
      expect(data).toMatchObject({
        name: file.name,
        type: file.type,
        owner: "admin",
        length: file.size,
        c8y_IsBinary: "",
        c8y_E2e: { index, tags: ["a", "b"] },
      });
      expect(data.id).toMatch(/^\d+$/);
      expect(data.self).toBe(`${baseUrl}/inventory/binaries/${data.id}`);
      const attachment = (data as { _attachments: Record<string, { length: number; digest: string }> })._attachments[
        file.name
      ];
      expect(attachment).toMatchObject({ length: file.size, digest: `md5-${md5Base64(file.content)}` });
      created.push(data);
    }
    // ids are handed out in ascending order
    const ids = created.map((mo) => Number(mo.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
  });

  it("walks every page of inventoryBinary.list with paging.next()", async () => {
    const seen: string[] = [];
    // Only this file's binaries (other e2e files share the service); the filter rides along in paging.next().
    let page = await client.inventoryBinary.list({ pageSize: 3, ids: created.map((mo) => mo.id).join(",") });
    let pages = 1;
    for (;;) {
      expect(page.res.status).toBe(200);
      expect(page.data.length).toBeLessThanOrEqual(3);
      seen.push(...page.data.map((mo) => String(mo.id)));
      if (!page.paging?.nextPage) break;
      page = await page.paging.next();
      pages++;
      expect(pages).toBeLessThanOrEqual(10); // a `next` link that never ends would loop forever
    }
    expect(new Set(seen).size).toBe(seen.length); // no duplicates
    expect(seen.map(Number)).toEqual([...seen.map(Number)].sort((a, b) => a - b)); // ascending id
    expect(seen).toEqual(created.map((mo) => String(mo.id))); // all of ours, nothing else
    expect(pages).toBe(Math.ceil(files.length / 3));
  });

  it("downloads every file byte for byte", async () => {
    for (const [index, file] of files.entries()) {
      const res = await client.inventoryBinary.download(created[index]!.id!);
      expect(res.status).toBe(200);
      const body = Buffer.from(await res.arrayBuffer());
      expect(body.length).toBe(file.size);
      expect(body.equals(file.content)).toBe(true);
    }
  });

  it("reads and updates the metadata through client.inventory", async () => {
    const id = String(created[1]!.id);
    const { data: detail } = await client.inventory.detail(id);
    expect(detail).toMatchObject({
      id,
      name: files[1]!.name,
      type: files[1]!.type,
      length: files[1]!.size,
      c8y_IsBinary: "",
    });
    expect(detail.self).toBe(`${baseUrl}/inventory/managedObjects/${id}`);

    const { res, data } = await client.inventory.update({
      id,
      name: "renamed",
      c8y_Custom: { level: 3, note: "set by e2e" },
    });
    expect(res.status).toBe(200);
    expect(data).toMatchObject({
      id,
      name: "renamed",
      type: files[1]!.type,
      length: files[1]!.size,
      c8y_Custom: { level: 3, note: "set by e2e" },
    });
    expect(data).toHaveProperty("c8y_E2e"); // fragments not sent stay

    const { data: again } = await client.inventory.detail(id);
    expect(again).toMatchObject({ name: "renamed", c8y_Custom: { level: 3, note: "set by e2e" } });
    // the bytes are untouched by a metadata update
    const body = Buffer.from(await (await client.inventoryBinary.download(id)).arrayBuffer());
    expect(body.equals(files[1]!.content)).toBe(true);
  });

  it("deletes a binary, after which its download is 404", async () => {
    const id = String(created[0]!.id);
    const { res } = await client.inventoryBinary.delete(id);
    expect(res.status).toBe(204);
    const failure = await statusOfFailure(client.inventoryBinary.download(id));
    expect(failure.status).toBe(404);
    expect(failure.data).toMatchObject({ error: "inventory/Not Found" });
    const { data } = await client.inventoryBinary.list({ pageSize: 100 });
    expect(data.map((mo) => String(mo.id))).not.toContain(id);
  });
});
