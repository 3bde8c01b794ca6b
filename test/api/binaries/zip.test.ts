import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { ZIP_MAX_FILES } from "../../../src/binaries/selection";
import { Roles } from "../../../src/c8y/roles";
import { call, randomBytes, seedUser, upload } from "../../helpers";
import { readZip } from "../../zip-reader";

let admin: string;
let owner: string;
let stranger: string;
let reader: string;
const ids: Record<string, string> = {};
const contents: Record<string, Uint8Array> = {};

beforeAll(async () => {
  admin = await seedUser("zp", "admin");
  owner = await seedUser("zp", "owner", [Roles.inventoryCreate]);
  stranger = await seedUser("zp", "stranger", [Roles.inventoryCreate]);
  reader = await seedUser("zp", "reader", [Roles.inventoryRead]);
  const files: [string, string, string][] = [
    ["a", owner, "report.pdf"],
    ["b", owner, "Report.PDF"],
    ["c", owner, "../../etc/passwd"],
    ["d", owner, "Prüfbericht Ω 日本.txt"],
    ["e", stranger, "theirs.bin"],
    ["f", owner, "report.pdf"],
  ];
  for (const [key, auth, name] of files) {
    contents[key] = randomBytes(1000 + key.charCodeAt(0), key.charCodeAt(0));
    ids[key] = (await upload(auth, name, contents[key])).id;
  }
});

const zip = (query: string, auth = admin, init: RequestInit = {}) =>
  call(`/inventory/binaries/zip?${query}`, { ...init, headers: { Authorization: auth } });

async function errorOf(res: Response): Promise<{ status: number; error: string; message: string }> {
  const body = await res.json<{ error: string; message: string }>();
  return { status: res.status, error: body.error, message: body.message };
}

describe("GET /inventory/binaries/zip", () => {
  it("streams the selection in the order asked, stored, with safe names unique ignoring case", async () => {
    const res = await zip(`ids=${ids.a},${ids.b},${ids.c}&ids=${ids.d},${ids.f}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("application/zip");
    expect(res.headers.get("Content-Disposition")).toBe('attachment; filename="binaries.zip"');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(Number(res.headers.get("Content-Length"))).toBe(bytes.length);
    const entries = readZip(bytes);
    expect(entries.map((e) => e.name)).toEqual([
      "report.pdf",
      "Report (2).PDF",
      ".._.._etc_passwd",
      "Prüfbericht Ω 日本.txt",
      "report (3).pdf",
    ]);
    expect(entries.every((e) => e.utf8)).toBe(true);
    for (const [entry, key] of entries.map((e, i) => [e, ["a", "b", "c", "d", "f"][i] as string] as const)) {
      expect(entry.data).toEqual(contents[key]);
    }
  });

  it("sends every byte of binaries larger than its read buffers intact (buffers are reused once sent)", async () => {
    const big = [0, 1, 2].map((i) => randomBytes(700 * 1024 + i * 4099, 100 + i));
    const bigIds: string[] = [];
    for (const [i, bytes] of big.entries()) bigIds.push((await upload(admin, `big-${i}.bin`, bytes)).id);
    const res = await zip(`ids=${bigIds.join(",")},${ids.a}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(Number(res.headers.get("Content-Length"))).toBe(bytes.length);
    const entries = readZip(bytes);
    expect(entries.map((e) => e.name)).toEqual(["big-0.bin", "big-1.bin", "big-2.bin", "report.pdf"]);
    for (const [i, original] of big.entries()) expect(entries[i]?.data).toEqual(original);
    expect(entries[3]?.data).toEqual(contents.a);
  });

  it("lets a user with READ zip anybody's binaries, and an owner only their own (403 names the others)", async () => {
    expect((await zip(`ids=${ids.a},${ids.e}`, reader)).status).toBe(200);
    expect((await zip(`ids=${ids.a},${ids.b}`, owner)).status).toBe(200);
    const denied = await errorOf(await zip(`ids=${ids.a},${ids.e}`, owner));
    expect(denied).toMatchObject({ status: 403, error: "security/Forbidden" });
    expect(denied.message).toContain(ids.e);
    expect(denied.message).not.toContain(ids.a);
  });

  it("answers 404 naming the missing ids, also another tenant's, before sending anything", async () => {
    const other = await seedUser("zp2", "admin");
    const foreign = (await upload(other, "elsewhere.bin", "x")).id;
    const missing = await errorOf(await zip(`ids=${ids.a},999999999,${foreign}`));
    expect(missing).toMatchObject({ status: 404, error: "inventory/Not Found" });
    expect(missing.message).toContain("999999999");
    expect(missing.message).toContain(foreign);
  });

  it("answers 400 without ids and 422 for ids that are not numbers", async () => {
    expect(await errorOf(await zip(""))).toMatchObject({ status: 400, error: "inventory/Invalid Request" });
    expect(await errorOf(await zip("ids=,"))).toMatchObject({ status: 400 });
    expect(await errorOf(await zip("ids=1,abc"))).toMatchObject({ status: 422 });
  });

  it("drops repeated ids", async () => {
    const entries = readZip(new Uint8Array(await (await zip(`ids=${ids.a},${ids.a}&ids=${ids.a}`)).arrayBuffer()));
    expect(entries.map((e) => e.name)).toEqual(["report.pdf"]);
  });

  it(`refuses more than ${ZIP_MAX_FILES} binaries and more than 16 GiB with 422, before reading any row`, async () => {
    const many = Array.from({ length: ZIP_MAX_FILES + 1 }, (_, i) => i + 1).join(",");
    const count = await errorOf(await zip(`ids=${many}`));
    expect(count).toMatchObject({ status: 422, error: "inventory/Unprocessable Entity" });
    expect(count.message).toContain(String(ZIP_MAX_FILES));
    const big = (await upload(admin, "big.bin", "y")).id;
    await env.DB.prepare("UPDATE binaries SET length = ? WHERE tenant = 'zp' AND id = ?")
      .bind(16 * 1024 ** 3, Number(big))
      .run();
    const size = await errorOf(await zip(`ids=${ids.a},${big}`));
    expect(size).toMatchObject({ status: 422 });
    expect(size.message).toContain("16 GiB");
  });

  it("needs credentials, and answers other methods with 405", async () => {
    expect((await call(`/inventory/binaries/zip?ids=${ids.a}`)).status).toBe(401);
    const post = await call(`/inventory/binaries/zip?ids=${ids.a}`, {
      method: "POST",
      headers: { Authorization: admin },
    });
    expect(post.status).toBe(405);
    expect(post.headers.get("Allow")).toBe("GET, HEAD");
  });

  it("reads one selection of a thousand ids in chunks below D1's 100 bound parameters", async () => {
    const known = [ids.a, ids.b, ids.c].join(",");
    const unknown = Array.from({ length: 997 }, (_, i) => 900_000_000 + i).join(",");
    const res = await errorOf(await zip(`ids=${known},${unknown}`));
    expect(res.status).toBe(404);
    expect(res.message).toContain("900000000");
  });
});
