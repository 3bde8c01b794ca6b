import { beforeAll, describe, expect, it } from "vitest";
import { Roles } from "../../../src/c8y/roles";
import { call, seedUser, upload } from "../../helpers";

let admin: string;
let creator: string;
const ids: string[] = [];

beforeAll(async () => {
  admin = await seedUser("t1", "alice");
  creator = await seedUser("t1", "carol", [Roles.inventoryCreate]);
  for (let i = 0; i < 12; i++)
    ids.push((await upload(admin, `file-${i}.bin`, `content ${i}`, {}, i % 3 === 0 ? "c8y_special" : "c8y_plain")).id);
  ids.push((await upload(creator, "carols.bin", "mine", {}, "c8y_plain")).id);
  await seedUser("t2", "bob").then((bob) => upload(bob, "other-tenant.bin", "x"));
});

async function list(query: string, auth = admin): Promise<any> {
  const res = await call(`/inventory/binaries${query}`, { headers: { Authorization: auth } });
  expect(res.status).toBe(200);
  expect(res.headers.get("Content-Type")).toBe(
    "application/vnd.com.nsn.cumulocity.managedObjectCollection+json;charset=UTF-8;ver=0.9",
  );
  return res.json();
}

describe("GET /inventory/binaries paging", () => {
  it("defaults to 5 per page, ascending ids, links that carry every parameter", async () => {
    const page = await list("?type=c8y_plain&foo=bar");
    expect(page.statistics).toEqual({ currentPage: 1, pageSize: 5 });
    expect(page.managedObjects).toHaveLength(5);
    const got = page.managedObjects.map((m: any) => Number(m.id));
    expect(got).toEqual([...got].sort((a, b) => a - b));
    expect(page.self).toBe("http://example.test/inventory/binaries?type=c8y_plain&foo=bar&pageSize=5&currentPage=1");
    expect(page.next).toBe("http://example.test/inventory/binaries?type=c8y_plain&foo=bar&pageSize=5&currentPage=2");
    expect(page).not.toHaveProperty("prev");
    expect(page.managedObjects[0].self).toBe(`http://example.test/inventory/binaries/${page.managedObjects[0].id}`);
  });

  it("walks every page without gaps or repeats; prev on later pages; no next after a short page", async () => {
    const seen: string[] = [];
    let page = await list("?pageSize=4");
    for (let n = 1; ; n++) {
      seen.push(...page.managedObjects.map((m: any) => m.id));
      if (n > 1) expect(page.prev).toContain(`currentPage=${n - 1}`);
      if (!page.next) break;
      page = await list(new URL(page.next).search);
    }
    expect(seen).toEqual(ids);
  });

  it("without totals, next is offered whenever the page is full", async () => {
    const page = await list("?pageSize=13");
    expect(page.managedObjects).toHaveLength(13);
    expect(page.next).toContain("currentPage=2");
    const last = await list("?pageSize=13&currentPage=2");
    expect(last.managedObjects).toHaveLength(0);
    expect(last).not.toHaveProperty("next");
  });

  it("withTotalPages / withTotalElements add counts and next only before the last page", async () => {
    const page = await list("?pageSize=13&withTotalPages=true&withTotalElements=true");
    expect(page.statistics).toEqual({ currentPage: 1, pageSize: 13, totalPages: 1, totalElements: 13 });
    expect(page).not.toHaveProperty("next");
    const first = await list("?pageSize=5&withTotalPages=true");
    expect(first.statistics).toEqual({ currentPage: 1, pageSize: 5, totalPages: 3 });
    expect(first.next).toContain("currentPage=2");
  });

  it("caps pageSize at 2000", async () => {
    expect((await list("?pageSize=5000")).statistics.pageSize).toBe(2000);
  });

  it.each(["pageSize=0", "pageSize=abc", "currentPage=0", "currentPage=-2", "pageSize=1.5", "currentPage=", "ids=1,x"])(
    "422 for %s",
    async (query) => {
      const res = await call(`/inventory/binaries?${query}`, { headers: { Authorization: admin } });
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({ error: "inventory/Unprocessable Entity" });
    },
  );
});

describe("GET /inventory/binaries filters", () => {
  it("type", async () => {
    const page = await list("?type=c8y_special&pageSize=100");
    expect(page.managedObjects.map((m: any) => m.id)).toEqual([ids[0], ids[3], ids[6], ids[9]]);
  });

  it("owner", async () => {
    expect((await list("?owner=carol&pageSize=100")).managedObjects.map((m: any) => m.id)).toEqual([ids[12]]);
  });

  it("ids, comma separated and repeated", async () => {
    const page = await list(`?ids=${ids[5]},${ids[1]}&ids=${ids[7]}`);
    expect(page.managedObjects.map((m: any) => m.id)).toEqual([ids[1], ids[5], ids[7]]);
  });

  // docs/api.md#inventory-queries
  it("text matches the name (and type), with LIKE wildcards taken literally", async () => {
    expect((await list("?text=file-1&pageSize=100")).managedObjects.map((m: any) => m.name)).toEqual([
      "file-1.bin",
      "file-10.bin",
      "file-11.bin",
    ]);
    expect((await list("?text=%25&pageSize=100")).managedObjects).toHaveLength(0);
    // As a LIKE wildcard `_` would match "file-1"; taken literally it matches nothing.
    expect((await list("?text=file_1&pageSize=100")).managedObjects).toHaveLength(0);
  });

  it("child filters return nothing while no parent links exist", async () => {
    expect((await list(`?childAdditionId=${ids[0]}`)).managedObjects).toEqual([]);
    expect((await list(`?childDeviceId=1&withTotalElements=true`)).statistics.totalElements).toBe(0);
  });

  it("never shows another tenant's binaries", async () => {
    const page = await list("?pageSize=2000&withTotalElements=true");
    expect(page.statistics.totalElements).toBe(13);
    expect(page.managedObjects.some((m: any) => m.name === "other-tenant.bin")).toBe(false);
  });

  it("a user without READ lists only what it owns", async () => {
    const page = await list("?pageSize=100&withTotalElements=true", creator);
    expect(page.managedObjects.map((m: any) => m.id)).toEqual([ids[12]]);
    expect(page.statistics.totalElements).toBe(1);
    expect((await list("?owner=alice", creator)).managedObjects).toEqual([]);
  });
});
