import { beforeAll, describe, expect, it } from "vitest";
import { Roles } from "../../../src/c8y/roles";
import { call, chunkedStream, concat, seedUser } from "../../helpers";

/**
 * The requests go-c8y-cli (reubenmiller/go-c8y-cli, on reubenmiller/go-c8y's client) sends,
 * replayed: `Accept: application/json` on everything (SendRequest's default), the login probe of
 * /tenant/loginOptions without credentials, Go's mime/multipart (form keys sorted, so `file` with
 * its filename before `object`, streamed through a pipe: chunked), `binaries update` sending the
 * file with `Content-Type: application/json` (NewRequest sets it for any body), and `inventory
 * find` wrapping its query in `$filter=… $orderby=…`.
 */

const enc = new TextEncoder();
let auth: string;
const cli = (extra: Record<string, string> = {}) => ({
  Authorization: auth,
  Accept: "application/json",
  "User-Agent": "go-c8y-cli/2.45.0",
  "X-APPLICATION": "go-client",
  ...extra,
});

beforeAll(async () => {
  auth = await seedUser("go", "gopher", [Roles.inventoryAdmin, Roles.userManagementOwnAdmin]);
});

/** Go's multipart.Writer: `--b` then sorted part headers, later parts after `\r\n--b`, close `\r\n--b--\r\n`. */
function goMultipart(file: { name: string; filename: string; type: string; body: Uint8Array }, object: string) {
  const boundary = "3f2b9c1d8e7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a";
  const body = concat([
    enc.encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.filename}"\r\n` +
        `Content-Type: ${file.type}\r\n\r\n`,
    ),
    file.body,
    enc.encode(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="object"\r\n\r\n${object}`),
    enc.encode(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

describe("go-c8y-cli request shapes", () => {
  it("login: loginOptions without credentials, then currentTenant and currentUser", async () => {
    const options = await call("/tenant/loginOptions", {
      headers: { Accept: "application/json", "User-Agent": "go-c8y-cli/2.45.0" },
    });
    expect(options.status).toBe(200);
    const body = await options.json<any>();
    expect(body.loginOptions[0]).toMatchObject({ type: "BASIC", id: "basic" });
    expect((await call("/tenant/currentTenant", { headers: cli() })).status).toBe(200);
    const me = await call("/user/currentUser", { headers: cli() });
    expect(me.status).toBe(200);
    expect((await me.json<any>()).userName).toBe("gopher");
    const update = await call("/user/currentUser", {
      method: "PUT",
      body: JSON.stringify({ lastName: "Smith" }),
      headers: cli({ "Content-Type": "application/json" }),
    });
    expect(update.status).toBe(200);
    expect((await update.json<any>()).lastName).toBe("Smith");
  });

  it("binaries create (chunked multipart, file first), get, update, list, inventory find, delete", async () => {
    const content = enc.encode("2026-11-28 boot ok\n".repeat(2000));
    const form = goMultipart(
      { name: "file", filename: "myfile.log", type: "text/plain", body: content },
      JSON.stringify({ name: "myfile.log", type: "application/octet-stream" }),
    );
    const created = await call("/inventory/binaries", {
      method: "POST",
      body: chunkedStream(form.body, 4096),
      headers: cli({ "Content-Type": form.contentType }),
    });
    expect(created.status).toBe(201);
    const mo = await created.json<any>();
    expect(mo).toMatchObject({ name: "myfile.log", contentType: "text/plain", length: content.length });

    const got = await call(`/inventory/binaries/${mo.id}`, { headers: cli() });
    expect(got.status).toBe(200);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(content);

    const updated = await call(`/inventory/binaries/${mo.id}`, {
      method: "PUT",
      body: "replaced\n",
      headers: cli({ "Content-Type": "application/json" }),
    });
    expect(updated.status).toBe(201);
    expect(await updated.json()).toMatchObject({ id: mo.id, length: 9 });

    const listed = await call("/inventory/binaries?pageSize=100&type=application%2Foctet-stream", { headers: cli() });
    expect((await listed.json<any>()).managedObjects.map((m: any) => m.id)).toContain(mo.id);

    const query = "$filter=has(c8y_IsBinary) and (name eq 'myfile.log') $orderby=_id asc";
    const found = await call(`/inventory/managedObjects?query=${encodeURIComponent(query)}&pageSize=5`, {
      headers: cli(),
    });
    expect(found.status).toBe(200);
    expect((await found.json<any>()).managedObjects.map((m: any) => m.id)).toEqual([mo.id]);
    const template = await call(`/inventory/managedObjects?query=${encodeURIComponent("$filter=name eq '*file*'")}`, {
      headers: cli(),
    });
    expect((await template.json<any>()).managedObjects.map((m: any) => m.id)).toContain(mo.id);

    const deleted = await call(`/inventory/binaries/${mo.id}`, { method: "DELETE", headers: cli() });
    expect(deleted.status).toBe(204);
  });
});
