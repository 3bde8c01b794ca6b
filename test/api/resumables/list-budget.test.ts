import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { LIST_BATCH_BYTES, listResumables } from "../../../src/resumable/service";
import { call, chunksOf, db, seedUser } from "../../helpers";

/**
 * Issue 21, item 9: a page of `GET /inventory/binaries/uploads` is bounded in memory by bytes, not only
 * by rows and the open-upload cap: it is read and streamed in batches of at most LIST_BATCH_BYTES of
 * names and types. Rows go straight into D1 (past the cap, as a larger cap or an older row set would
 * allow), each with a 10,000-character type.
 */
const COUNT = 150;
const TYPE_CHARS = 10_000;
let carol: string;
let uid: string;

beforeAll(async () => {
  carol = await seedUser("budget21", "carol");
  uid = (await env.DB.prepare("SELECT uid FROM users WHERE tenant = 'budget21'").first<string>("uid"))!;
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
     INSERT INTO uploads (id, tenant, owner, owner_id, created_ms, expires_ms, length, received, part_size, parts,
       next_part, r2_key, tail_length, digests, replace, name, type, content_type, fragments, lock_until_ms)
     SELECT printf('budget-%03d', i), 'budget21', 'carol', ?, 1000 + i, ?, 10, 0, 5242880, '[]', 1,
       'budget21/' || i, 0, '{}', 0, 'f' || i || '.bin', ?, 'application/octet-stream', '{}', 0
     FROM n`,
  )
    .bind(COUNT, uid, Date.now() + 3_600_000, "t".repeat(TYPE_CHARS))
    .run();
});

const ids = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `budget-${String(from + i).padStart(3, "0")}`);

describe("the uploads list is bounded by bytes per batch", () => {
  it("each D1 statement of a 2000-row page returns at most the byte budget of names and types", async () => {
    const principal = { tenant: "budget21", userName: "carol", userId: uid, roles: new Set<string>() };
    const batches: number[] = [];
    const seen: string[] = [];
    for await (const rows of listResumables(db(), principal, Date.now(), 2000, 0)) {
      const encoder = new TextEncoder();
      const bytes = rows.reduce((sum, r) => sum + encoder.encode(r.name + r.type + r.contentType).byteLength, 0);
      batches.push(bytes);
      seen.push(...rows.map((r) => r.id));
    }
    expect(Math.max(...batches)).toBeLessThanOrEqual(LIST_BATCH_BYTES);
    expect(batches.length).toBe(Math.ceil(COUNT / Math.floor(LIST_BATCH_BYTES / (TYPE_CHARS + 30))));
    expect(seen).toEqual(ids(1, COUNT));
  });

  it("a 1.5 MB page arrives in chunks of at most the byte budget and parses to every row in order", async () => {
    const res = await call("/inventory/binaries/uploads?pageSize=2000", { headers: { Authorization: carol } });
    expect(res.status).toBe(200);
    const chunks = await chunksOf(res);
    const sizes = chunks.map((chunk) => chunk.byteLength);
    // One batch holds at most LIST_BATCH_BYTES of names and types, plus the rest of each row's JSON.
    expect(Math.max(...sizes)).toBeLessThanOrEqual(LIST_BATCH_BYTES + 26 * 400);
    expect(chunks.length).toBeGreaterThanOrEqual(Math.ceil((COUNT * TYPE_CHARS) / LIST_BATCH_BYTES));
    const body = JSON.parse(new TextDecoder().decode(new Uint8Array(await new Blob(chunks).arrayBuffer())));
    expect(body.uploads.map((u: { id: string }) => u.id)).toEqual(ids(1, COUNT));
    expect(body.uploads[0].type).toHaveLength(TYPE_CHARS);
    expect(body.statistics).toEqual({ currentPage: 1, pageSize: 2000 });
    expect(body).not.toHaveProperty("next");
  });

  it("pages cut by the budget hold exactly their rows (page 2 of 60: rows 61-120; full: next)", async () => {
    const res = await call("/inventory/binaries/uploads?pageSize=60&currentPage=2", {
      headers: { Authorization: carol },
    });
    const body = await res.json<{ uploads: { id: string }[]; next?: string }>();
    expect(body.uploads.map((u) => u.id)).toEqual(ids(61, 120));
    expect(body.next).toContain("currentPage=3");
    const last = await call("/inventory/binaries/uploads?pageSize=60&currentPage=3", {
      headers: { Authorization: carol },
    });
    expect((await last.json<{ uploads: { id: string }[] }>()).uploads.map((u) => u.id)).toEqual(ids(121, COUNT));
  });
});
