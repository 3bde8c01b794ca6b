import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { sweepOrphans } from "../../../src/binaries/sweep";
import { trackMultipart } from "../../../src/db/r2-multiparts";
import { call, chunkedStream, concat, db, randomBytes, seedUser } from "../../helpers";

/** The sweep never races a live upload, and multipart uploads left by a crash are aborted. */
let admin: string;
beforeAll(async () => {
  admin = await seedUser("t1", "alice");
});

/** A multipart POST whose body stalls inside the object part, after the file part has ended. */
function stalledUpload(file: Uint8Array) {
  const enc = new TextEncoder();
  // One chunk up to the stall, so the server's large reads see the file part end before the body stalls.
  const head = [
    concat([
      enc.encode('--B\r\nContent-Disposition: form-data; name="file"; filename="s.bin"\r\n\r\n'),
      file,
      enc.encode('\r\n--B\r\nContent-Disposition: form-data; name="object"\r\n\r\n{"name":"s.bin",'),
    ]),
  ];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = head.shift();
      if (next) return controller.enqueue(next);
      await gate;
      controller.enqueue(enc.encode('"type":"t"}\r\n--B--\r\n'));
      controller.close();
    },
  });
  const response = call("/inventory/binaries", {
    method: "POST",
    body,
    headers: { Authorization: admin, "Content-Type": "multipart/form-data; boundary=B", Accept: "application/json" },
  });
  return { response, release };
}

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}
const keysUnder = async (prefix: string) => (await env.BUCKET.list({ prefix })).objects.map((o) => o.key);
const rowCount = async () => (await env.DB.prepare("SELECT COUNT(*) AS n FROM binaries").first<number>("n")) ?? 0;

describe("sweep versus live uploads", () => {
  it("bytes swept while the upload stalled: 408, never a row that points at nothing", async () => {
    const before = await rowCount();
    const { response, release } = stalledUpload(randomBytes(300_000, 1));
    await until(async () => (await keysUnder("t1/")).length > 0);
    const [key] = await keysUnder("t1/");
    // An hour later (minimum age 0 here), the sweep finds bytes that no row references.
    expect((await sweepOrphans(db(), env.BUCKET, 0)).deleted).toEqual([key]);
    release();
    const res = await response;
    expect(res.status).toBe(408);
    expect((await res.json<any>()).error).toBe("inventory/Request Timeout");
    expect(await rowCount()).toBe(before);
    expect(await keysUnder("t1/")).toEqual([]);
  });

  it("a multipart upload is tracked until its row commits, so the sweep leaves its bytes alone", async () => {
    const file = randomBytes(6 * 1024 * 1024, 2); // above the 5 MiB part size: an R2 multipart upload
    const { response, release } = stalledUpload(file);
    await until(async () => (await keysUnder("t1/")).length > 0);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM multipart_uploads").first("n")).toBe(1);
    expect((await sweepOrphans(db(), env.BUCKET, 0)).deleted).toEqual([]);
    release();
    const res = await response;
    expect(res.status).toBe(201);
    const mo = await res.json<any>();
    expect(
      (await (await call(`/inventory/binaries/${mo.id}`, { headers: { Authorization: admin } })).arrayBuffer())
        .byteLength,
    ).toBe(file.length);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM multipart_uploads").first("n")).toBe(0);
  });

  it("a failed multipart PUT leaves neither bytes nor a tracking row", async () => {
    const form = new FormData();
    form.append("object", '{"name":"p.bin","type":"t"}');
    form.append("file", new Blob(["x"]));
    const mo = await (
      await call("/inventory/binaries", {
        method: "POST",
        body: form,
        headers: { Authorization: admin, Accept: "application/json" },
      })
    ).json<any>();
    const body = chunkedStream(randomBytes(6 * 1024 * 1024, 3));
    // Content-Length says more than is sent: the body is refused after its parts went to R2.
    const res = await call(`/inventory/binaries/${mo.id}`, {
      method: "PUT",
      body,
      headers: {
        Authorization: admin,
        "Content-Type": "application/octet-stream",
        "Content-Length": String(7 * 1024 * 1024),
      },
    });
    expect(res.status).toBe(400);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM multipart_uploads").first("n")).toBe(0);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM binaries WHERE tenant = 't1'").first<number>("n");
    expect((await keysUnder("t1/")).length).toBe(rows); // the new bytes are gone, the old ones stay
    expect(await (await call(`/inventory/binaries/${mo.id}`, { headers: { Authorization: admin } })).text()).toBe("x");
  });
});

describe("multipart uploads left by a crash", () => {
  it("are aborted by the sweep once older than a day, and forgotten", async () => {
    const upload = await env.BUCKET.createMultipartUpload("t1/777/1-crashed");
    const part = await upload.uploadPart(1, randomBytes(1024, 4));
    const now = Date.now();
    await trackMultipart(db(), { key: upload.key, uploadId: upload.uploadId, purpose: "binary" }, now - 25 * 3_600_000);
    await trackMultipart(db(), { key: "t1/778/1-young", uploadId: "young-upload", purpose: "binary" }, now - 3_600_000);
    const report = await sweepOrphans(db(), env.BUCKET, 3_600_000, now);
    expect(report.abortedUploads).toBe(1);
    await expect(env.BUCKET.resumeMultipartUpload(upload.key, upload.uploadId).complete([part])).rejects.toThrow();
    const left = await env.DB.prepare("SELECT upload_id FROM multipart_uploads").all<{ upload_id: string }>();
    expect(left.results.map((r) => r.upload_id)).toEqual(["young-upload"]);
  });
});
