import { beforeAll, describe, expect, it } from "vitest";
import { basic, call, concat, seedUser } from "../../helpers";

/**
 * The requests the Cumulocity Python SDK (SoftwareAG/cumulocity-python-api, c8y_api: _base_api.py,
 * model/binaries.py, inventory.py, administration.py) sends through `requests`, replayed: a session
 * with `Accept: application/json`, urllib3's multipart encoding (`file` part first, no filename),
 * `accept=''` meaning no Accept header at all, paging by currentPage until an empty page.
 */

const enc = new TextEncoder();
let auth: string;

beforeAll(async () => {
  auth = await seedUser("py", "pyuser");
});

/** urllib3's encode_multipart_formdata: Content-Disposition then Content-Type, each part CRLF-terminated. */
function urllib3Multipart(fields: { name: string; body: string | Uint8Array; type?: string }[]) {
  const boundary = "9a1e6f0c2b7d4e8a9f3c5b1d7e2a4c6f";
  const chunks: Uint8Array[] = [];
  for (const field of fields) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${field.name}"\r\n`;
    if (field.type) head += `Content-Type: ${field.type}\r\n`;
    chunks.push(enc.encode(`${head}\r\n`), typeof field.body === "string" ? enc.encode(field.body) : field.body);
    chunks.push(enc.encode("\r\n"));
  }
  chunks.push(enc.encode(`--${boundary}--\r\n`));
  return { body: concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

const session = (extra: Record<string, string> = {}) => ({
  Authorization: auth,
  Accept: "application/json",
  "User-Agent": "python-requests/2.32.3",
  "Accept-Encoding": "gzip, deflate",
  ...extra,
});

async function upload(name: string, content: string, accept: "application/json" | null) {
  const form = urllib3Multipart([
    { name: "file", body: content, type: "application/octet-stream" },
    { name: "object", body: JSON.stringify({ type: "c8y_PyUpload", name }) },
  ]);
  const headers: Record<string, string> = session({ "Content-Type": form.contentType });
  if (accept === null) delete headers.Accept;
  return call("/inventory/binaries", { method: "POST", body: form.body, headers });
}

describe("Python SDK request shapes", () => {
  it("Binaries.upload (Accept json) returns the object; Binaries.create (accept='') gets an empty 201", async () => {
    const uploaded = await upload("report.csv", "a;b\n", "application/json");
    expect(uploaded.status).toBe(201);
    const mo = await uploaded.json<any>();
    expect(mo).toMatchObject({
      name: "report.csv",
      type: "c8y_PyUpload",
      length: 4,
      contentType: "application/octet-stream",
    });
    const created = await upload("second.csv", "x", null);
    expect(created.status).toBe(201);
    expect(await created.text()).toBe("");
    expect(created.headers.get("Location")).toMatch(/\/inventory\/binaries\/\d+$/);
  });

  it("read_file (Accept: application/json) gets the bytes; put_file replaces; delete has no Accept", async () => {
    const mo = await (await upload("data.bin", "old bytes", "application/json")).json<any>();
    const read = await call(`/inventory/binaries/${mo.id}`, { headers: session() });
    expect(read.status).toBe(200);
    expect(await read.text()).toBe("old bytes");
    const put = await call(`/inventory/binaries/${mo.id}`, {
      method: "PUT",
      body: "new bytes!",
      headers: session({ "Content-Type": "application/octet-stream" }),
    });
    expect(put.status).toBe(201);
    expect((await put.json<any>()).length).toBe(10);
    // Binaries.update(..., accept=''): no Accept, empty 201.
    const quiet = await call(`/inventory/binaries/${mo.id}`, {
      method: "PUT",
      body: "newest",
      headers: { Authorization: auth, "Content-Type": "text/plain" },
    });
    expect(quiet.status).toBe(201);
    expect(await quiet.text()).toBe("");
    const gone = await call(`/inventory/binaries/${mo.id}`, { method: "DELETE", headers: { Authorization: auth } });
    expect(gone.status).toBe(204);
  });

  it("Inventory.select(fragment='c8y_IsBinary') pages with currentPage until a page is empty; get_count", async () => {
    for (let i = 0; i < 3; i++) await upload(`page-${i}.bin`, `p${i}`, "application/json");
    const seen: string[] = [];
    for (let page = 1; page < 20; page++) {
      const res = await call(`/inventory/managedObjects?fragmentType=c8y_IsBinary&pageSize=2&currentPage=${page}`, {
        headers: session(),
      });
      expect(res.status).toBe(200);
      const items = (await res.json<any>()).managedObjects;
      if (items.length === 0) break;
      for (const mo of items) expect(mo.c8y_IsBinary).toBe("");
      seen.push(...items.map((mo: any) => mo.name));
    }
    expect(seen).toEqual(expect.arrayContaining(["page-0.bin", "page-1.bin", "page-2.bin"]));
    const count = await call("/inventory/managedObjects?fragmentType=c8y_IsBinary&pageSize=1&withTotalPages=true", {
      headers: session(),
    });
    expect((await count.json<any>()).statistics.totalPages).toBe(seen.length);
  });

  it("Inventory.select(name=..., type=..., fragment=...) becomes one query with ''-escaped quotes", async () => {
    await upload("it's mine.bin", "q", "application/json");
    const name = "it's mine.bin".replace(/'/g, "''");
    const query = `name eq '${name}' and type eq 'c8y_PyUpload' and has(c8y_IsBinary)`;
    const qs = new URLSearchParams({ query, pageSize: "5" }).toString(); // urlencode: spaces as +
    const res = await call(`/inventory/managedObjects?${qs}&currentPage=1`, { headers: session() });
    expect(res.status).toBe(200);
    expect((await res.json<any>()).managedObjects.map((mo: any) => mo.name)).toEqual(["it's mine.bin"]);
  });

  it("Users.get_current, set_current_password and select(username=prefix)", async () => {
    const me = await call("/user/currentUser", { headers: session() });
    expect(me.status).toBe(200);
    const body = await me.json<any>();
    expect(body.userName).toBe("pyuser");
    expect(body.effectiveRoles.map((r: any) => r.id)).toContain("ROLE_INVENTORY_ADMIN");
    const users = await call("/user/py/users?username=py&pageSize=5&currentPage=1", { headers: session() });
    expect((await users.json<any>()).users.map((u: any) => u.userName)).toEqual(["pyuser"]);
    const changed = await call("/user/currentUser/password", {
      method: "PUT",
      body: JSON.stringify({ currentUserPassword: "secret-password", newPassword: "another-password" }),
      headers: session({ "Content-Type": "application/json" }),
    });
    expect(changed.status).toBe(200);
    auth = basic("py/pyuser", "another-password"); // the SDK updates its auth the same way
    expect((await call("/user/currentUser", { headers: session() })).status).toBe(200);
  });
});
