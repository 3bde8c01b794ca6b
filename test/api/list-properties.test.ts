import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { hostileText } from "../arbitraries";
import { call, seedUser, storeCounts, upload } from "../helpers";

/** Random and hostile input: never a 5xx, and a rejected request changes nothing. */
let admin: string;
beforeAll(async () => {
  admin = await seedUser("t1", "alice");
  for (let i = 0; i < 3; i++) await upload(admin, `seed-${i}.bin`, `seed ${i}`);
});

describe("paging and filter parameters", () => {
  const names = [
    "pageSize",
    "currentPage",
    "withTotalPages",
    "withTotalElements",
    "type",
    "owner",
    "ids",
    "text",
    "childAdditionId",
    "childAssetId",
    "childDeviceId",
    "query",
  ];
  it("any combination answers 200 or 422 and changes nothing", async () => {
    const before = await storeCounts();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(...names), hostileText), { maxLength: 6 }), async (pairs) => {
        const query = new URLSearchParams(pairs.map(([k, v]) => [k, v.replace(/[\ud800-\udfff]/g, "")])).toString();
        const res = await call(`/inventory/binaries?${query}`, { headers: { Authorization: admin } });
        expect([200, 422]).toContain(res.status);
        const body = await res.json<any>();
        if (res.status === 200) expect(Array.isArray(body.managedObjects)).toBe(true);
        else expect(body.error).toBe("inventory/Unprocessable Entity");
      }),
      { numRuns: 150 },
    );
    expect(await storeCounts()).toEqual(before);
  });
});
