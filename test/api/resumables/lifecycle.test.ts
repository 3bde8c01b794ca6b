import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { sweepOrphans } from "../../../src/binaries/sweep";
import { sweepResumables } from "../../../src/resumable/service";
import { bytesToBase64 } from "../../../src/utils/base64";
import {
  call,
  countEverywhere,
  db,
  md5Base64,
  randomBytes,
  seedUser,
  shardD1,
  TUS,
  TUS_OCTETS,
  tusPatch,
} from "../../helpers";

const MIB = 1024 * 1024;
const OCTETS = TUS_OCTETS;
let alice: string;
let bob: string;
let otherTenant: string;

beforeAll(async () => {
  alice = await seedUser("t1", "alice");
  bob = await seedUser("t1", "bob");
  otherTenant = await seedUser("t2", "carol");
});

const b64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));
const digest = async (algorithm: string, bytes: Uint8Array) =>
  bytesToBase64(new Uint8Array(await crypto.subtle.digest(algorithm, bytes)));

async function created(auth: string, length: number | undefined, name = "f.bin", extra: Record<string, string> = {}) {
  const lengthHeader: Record<string, string> =
    length === undefined ? { "Upload-Defer-Length": "1" } : { "Upload-Length": String(length) };
  const res = await call("/inventory/binaries/uploads", {
    method: "POST",
    headers: { Authorization: auth, ...TUS, ...lengthHeader, "Upload-Metadata": `filename ${b64(name)}`, ...extra },
  });
  expect(res.status).toBe(201);
  return res;
}
const pathOf = (res: Response) => new URL(res.headers.get("Location")!).pathname;
const idOf = (path: string) => path.split("/").pop()!;

function patch(path: string, offset: number, bytes: Uint8Array, headers: Record<string, string> = {}, auth = alice) {
  return tusPatch(path, auth, bytes, bytes.length, offset, headers);
}
const offsetOf = async (path: string) =>
  (await call(path, { method: "HEAD", headers: { Authorization: alice, ...TUS } })).headers.get("Upload-Offset");
const row = async (id: string) =>
  (await shardD1("t1")).prepare("SELECT * FROM uploads WHERE id = ?").bind(id).first<Record<string, any>>();
const tails = async () => (await env.BUCKET.list({ prefix: "%resumable/" })).objects.map((o) => o.key);

describe("checksum extension: a chunk whose checksum fails is not counted", () => {
  it.each([
    ["sha1", "SHA-1"],
    ["md5", "MD5"],
    ["sha256", "SHA-256"],
  ])("%s: a matching chunk is stored, a wrong one is 460 and changes nothing", async (name, algorithm) => {
    const bytes = randomBytes(7 * MIB, 21);
    const path = pathOf(await created(alice, bytes.length));
    const first = bytes.subarray(0, 3 * MIB);
    const ok = await patch(path, 0, first, { "Upload-Checksum": `${name} ${await digest(algorithm, first)}` });
    expect(ok.status).toBe(204);
    const before = { row: await row(idOf(path)), tails: await tails() };
    // The wrong chunk crosses a part boundary: the part it uploads must not count either.
    const rest = bytes.subarray(3 * MIB);
    const bad = await patch(path, 3 * MIB, rest, { "Upload-Checksum": `${name} ${await digest(algorithm, first)}` });
    expect(bad.status).toBe(460);
    expect(bad.headers.get("Tus-Resumable")).toBe("1.0.0");
    // What the upload has (offset, parts, tail, digest state) is untouched; only a multipart upload id may
    // have been recorded, so the sweep can abort it.
    const kept = (r: Record<string, any> | null) => ({
      received: r?.received,
      parts: r?.parts,
      tail_key: r?.tail_key,
      tail_length: r?.tail_length,
      digests: r?.digests,
    });
    expect(kept(await row(idOf(path)))).toEqual(kept(before.row));
    expect(await offsetOf(path)).toBe(String(3 * MIB));
    expect(await tails()).toEqual(before.tails);
    const good = await patch(path, 3 * MIB, rest, { "Upload-Checksum": `${name} ${await digest(algorithm, rest)}` });
    expect(good.status).toBe(204);
    const mo = await (
      await call(new URL(good.headers.get("Location")!).pathname.replace("binaries", "managedObjects"), {
        headers: { Authorization: alice, Accept: "application/json" },
      })
    ).json<Record<string, any>>();
    expect(mo._attachments["f.bin"].digest).toBe(`md5-${await md5Base64(bytes)}`);
  });

  it("an unknown algorithm or a malformed header is 400", async () => {
    const path = pathOf(await created(alice, 10));
    for (const header of ["crc32 AAAA", "sha1", "sha1 not base64!"]) {
      const res = await patch(path, 0, randomBytes(10, 1), { "Upload-Checksum": header });
      expect(res.status).toBe(400);
    }
    expect(await offsetOf(path)).toBe("0");
  });
});

describe("SHA-256 of the whole file when asked", () => {
  it("Want-Repr-Digest: sha-256 at creation gives Repr-Digest with sha-256 and md5 at completion", async () => {
    const bytes = randomBytes(6 * MIB + 5, 22);
    const path = pathOf(await created(alice, bytes.length, "s.bin", { "Want-Repr-Digest": "sha-256=10" }));
    expect((await patch(path, 0, bytes.subarray(0, 4 * MIB))).status).toBe(204);
    const done = await patch(path, 4 * MIB, bytes.subarray(4 * MIB));
    expect(done.status).toBe(204);
    expect(done.headers.get("Repr-Digest")).toBe(
      `md5=:${await digest("MD5", bytes)}:, sha-256=:${await digest("SHA-256", bytes)}:`,
    );
  });
});

describe("expiration", () => {
  it("Upload-Expires on creation, append and HEAD; an expired upload is 410", async () => {
    const res = await created(alice, 20);
    const path = pathOf(res);
    const created_ = Date.parse(res.headers.get("Upload-Expires")!);
    expect(created_).toBeGreaterThan(Date.now() + 86_000_000);
    expect(created_).toBeLessThanOrEqual(Date.now() + 86_400_000);
    const appended = await patch(path, 0, randomBytes(10, 2));
    expect(Date.parse(appended.headers.get("Upload-Expires")!)).toBeGreaterThanOrEqual(created_ - 1000);
    await (await shardD1("t1"))
      .prepare("UPDATE uploads SET expires_ms = ? WHERE id = ?")
      .bind(Date.now() - 1, idOf(path))
      .run();
    expect((await call(path, { method: "HEAD", headers: { Authorization: alice, ...TUS } })).status).toBe(410);
    expect((await patch(path, 10, randomBytes(10, 3))).status).toBe(410);
  });

  it("the sweep aborts expired uploads, deletes their rows and tails, and removes orphan tails", async () => {
    const expired = pathOf(await created(alice, 9 * MIB));
    expect((await patch(expired, 0, randomBytes(6 * MIB, 4))).status).toBe(204);
    const live = pathOf(await created(alice, 9 * MIB));
    expect((await patch(live, 0, randomBytes(MIB, 5))).status).toBe(204);
    const old = (await row(idOf(expired)))!;
    const liveTail = (await row(idOf(live)))!.tail_key as string;
    await (await shardD1("t1"))
      .prepare("UPDATE uploads SET expires_ms = ? WHERE id = ?")
      .bind(Date.now() - 1, idOf(expired))
      .run();
    await env.BUCKET.put("%resumable/crashed/tail-x", "left by a request that died before its commit");

    // The binaries' orphan sweep leaves every upload tail alone, whatever its age.
    const orphans = await sweepOrphans(db(), env.BUCKET, 0, Date.now() + 10_000);
    expect(orphans.deleted.filter((key) => key.startsWith("%resumable/"))).toEqual([]);

    const report = await sweepResumables(db(), env.BUCKET, Date.now() + 1000, 0);
    expect(report.expired).toBeGreaterThanOrEqual(1);
    expect(report.orphanTails).toBeGreaterThanOrEqual(1);
    expect(await row(idOf(expired))).toBeNull();
    expect(await env.BUCKET.head(old.tail_key)).toBeNull();
    await expect(
      env.BUCKET.resumeMultipartUpload(old.r2_key, old.multipart_id).uploadPart(9, new Uint8Array(5)),
    ).rejects.toThrow();
    expect(await env.BUCKET.head("%resumable/crashed/tail-x")).toBeNull();
    expect(await env.BUCKET.head(liveTail)).not.toBeNull();
    expect(await offsetOf(live)).toBe(String(MIB));
  });
});

describe("GET /inventory/binaries/uploads lists the caller's incomplete uploads", () => {
  it("only the caller's own, unfinished, unexpired uploads, with their offsets; paged", async () => {
    const mine = pathOf(await created(bob, 100, "one.bin"));
    expect((await patch(mine, 0, randomBytes(40, 6), {}, bob)).status).toBe(204);
    const deferred = pathOf(await created(bob, undefined, "two.bin"));
    const done = pathOf(await created(bob, 5, "done.bin"));
    expect((await patch(done, 0, randomBytes(5, 7), {}, bob)).status).toBe(204);
    await created(otherTenant, 5, "theirs.bin");
    const res = await call("/inventory/binaries/uploads?pageSize=10", { headers: { Authorization: bob } });
    expect(res.status).toBe(200);
    const body = await res.json<{ uploads: Record<string, unknown>[]; statistics: Record<string, number> }>();
    expect(body.uploads.map((u) => u.name)).toEqual(["one.bin", "two.bin"]);
    expect(body.uploads[0]).toMatchObject({
      id: idOf(mine),
      self: `http://example.test${mine}`,
      offset: 40,
      length: 100,
    });
    expect(body.uploads[1]).toMatchObject({ id: idOf(deferred), offset: 0 });
    expect(body.uploads[1]).not.toHaveProperty("length");
    const page2 = await call("/inventory/binaries/uploads?pageSize=1&currentPage=2", {
      headers: { Authorization: bob },
    });
    expect((await page2.json<{ uploads: { name: string }[] }>()).uploads.map((u) => u.name)).toEqual(["two.bin"]);
    const del = await call(deferred, { method: "DELETE", headers: { Authorization: bob, ...TUS } });
    expect(del.status).toBe(204);
    const after = await call("/inventory/binaries/uploads", { headers: { Authorization: bob } });
    expect((await after.json<{ uploads: { name: string }[] }>()).uploads.map((u) => u.name)).toEqual(["one.bin"]);
  });
});

describe("X-HTTP-Method-Override", () => {
  it("POST with X-HTTP-Method-Override: PATCH appends, DELETE terminates", async () => {
    const path = pathOf(await created(alice, 10));
    const res = await call(path, {
      method: "POST",
      headers: {
        Authorization: alice,
        ...TUS,
        "X-HTTP-Method-Override": "PATCH",
        "Content-Type": OCTETS,
        "Upload-Offset": "0",
        "Content-Length": "4",
      },
      body: randomBytes(4, 8),
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("Upload-Offset")).toBe("4");
    const del = await call(path, {
      method: "POST",
      headers: { Authorization: alice, ...TUS, "X-HTTP-Method-Override": "DELETE" },
    });
    expect(del.status).toBe(204);
    expect((await call(path, { method: "HEAD", headers: { Authorization: alice, ...TUS } })).status).toBe(404);
  });
});

describe("tenant lifecycle", () => {
  it("a deleted (and recreated) tenant: the upload commits no binary and leaves no object", async () => {
    const dave = await seedUser("t9", "dave");
    const res = await call("/inventory/binaries/uploads", {
      method: "POST",
      headers: { Authorization: dave, ...TUS, "Upload-Length": "10", "Upload-Metadata": `filename ${b64("t9.bin")}` },
    });
    const path = pathOf(res);
    const t9 = await shardD1("t9");
    await t9.prepare("DELETE FROM tenants WHERE id = 't9'").run();
    // A new tenant with the same id, created after the upload: the upload must not land in it.
    await t9
      .prepare("INSERT INTO tenants (id, creation_time) VALUES ('t9', ?)")
      .bind(new Date(Date.now() + 120_000).toISOString())
      .run();
    const before = (await env.BUCKET.list({ prefix: "t9/" })).objects.length;
    const done = await patch(path, 0, randomBytes(10, 9), {}, dave);
    expect(done.status).toBe(404);
    expect(await countEverywhere("SELECT COUNT(*) AS n FROM binaries WHERE tenant = 't9'")).toBe(0);
    expect((await env.BUCKET.list({ prefix: "t9/" })).objects.length).toBe(before);
  });
});
