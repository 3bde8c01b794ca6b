import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, chunksOf, seedUser } from "../../helpers";

/** List pages are streamed a batch (100 rows) at a time, and read exactly as whole pages were. */
let reader: string;
const COUNT = 250;
beforeAll(async () => {
  reader = await seedUser("many", "reader");
  // Rows straight into D1 (fast); each carries a 2 KB fragment.
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
     INSERT INTO binaries (id, tenant, name, type, owner, creation_time, last_updated, content_type, length, md5,
       revpos, r2_key, fragments)
     SELECT 900000 + i, 'many', 'f' || i || '.bin', 't', 'reader', '2026-01-01T00:00:00.000Z',
       '2026-01-01T00:00:00.000Z', 'text/plain', 1, 'x', 1, 'many/' || i, json_object('c8y_Pad', ?)
     FROM n`,
  )
    .bind(COUNT, "p".repeat(2000))
    .run();
});

describe("streamed list pages", () => {
  it("a page larger than one batch arrives in several chunks and parses to the same collection", async () => {
    const res = await call("/inventory/binaries?pageSize=2000&withTotalElements=true", {
      headers: { Authorization: reader },
    });
    expect(res.status).toBe(200);
    const chunks = await chunksOf(res);
    expect(chunks.length).toBeGreaterThanOrEqual(3); // 250 rows: three batches
    const body = JSON.parse(new TextDecoder().decode(new Uint8Array(await new Blob(chunks).arrayBuffer())));
    expect(body.managedObjects).toHaveLength(COUNT);
    expect(body.managedObjects.map((m: { id: string }) => Number(m.id))).toEqual(
      Array.from({ length: COUNT }, (_, i) => 900001 + i),
    );
    expect(body.managedObjects[0].c8y_Pad).toHaveLength(2000);
    expect(body.statistics).toEqual({ currentPage: 1, pageSize: 2000, totalElements: COUNT });
    expect(body.next).toBeUndefined();
  });

  it("pages that cross batch boundaries keep their offsets, links and statistics", async () => {
    const res = await call("/inventory/binaries?pageSize=120&currentPage=2", { headers: { Authorization: reader } });
    const body = await res.json<{ managedObjects: { id: string }[]; next?: string; prev?: string }>();
    expect(body.managedObjects.map((m) => Number(m.id))).toEqual(Array.from({ length: 120 }, (_, i) => 900121 + i));
    expect(body.next).toContain("currentPage=3");
    expect(body.prev).toContain("currentPage=1");
    const last = await (
      await call("/inventory/binaries?pageSize=120&currentPage=3", { headers: { Authorization: reader } })
    ).json<{ managedObjects: unknown[]; next?: string }>();
    expect(last.managedObjects).toHaveLength(10);
    expect(last.next).toBeUndefined();
  });

  it("GET /inventory/managedObjects streams the same way, with self under managedObjects", async () => {
    const res = await call("/inventory/managedObjects?pageSize=2000", { headers: { Authorization: reader } });
    expect(res.status).toBe(200);
    const chunks = await chunksOf(res);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    const body = JSON.parse(new TextDecoder().decode(new Uint8Array(await new Blob(chunks).arrayBuffer())));
    expect(body.managedObjects).toHaveLength(COUNT);
    expect(body.managedObjects[0].self).toMatch(/\/inventory\/managedObjects\/900001$/);
  });

  it("an empty page is a well-formed collection", async () => {
    const res = await call("/inventory/binaries?pageSize=10&currentPage=99", { headers: { Authorization: reader } });
    expect(await res.json()).toMatchObject({ managedObjects: [], statistics: { currentPage: 99, pageSize: 10 } });
  });
});
