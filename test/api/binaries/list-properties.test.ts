import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { hostileText } from "../../arbitraries";
import { call, seedUser, storeCounts, upload } from "../../helpers";

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
    "fragmentType",
  ];
  // Dotted fragment names with empty segments (`a..b`, `.`, `a.`) answered 500 once (issue 21).
  const dotted = fc
    .array(fc.constantFrom("", "a", "c8y_Firmware", "version", "é", "$"), { minLength: 1, maxLength: 4 })
    .map((segments) => segments.join("."));
  const paths = ["/inventory/binaries", "/inventory/managedObjects", "/inventory/managedObjects/count"];
  it("any combination answers 200 or 422 and changes nothing", async () => {
    const before = await storeCounts();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.array(fc.tuple(fc.constantFrom(...names), fc.oneof(hostileText, dotted)), { maxLength: 6 }),
        async (path, pairs) => {
          const query = new URLSearchParams(pairs.map(([k, v]) => [k, v.replace(/[\ud800-\udfff]/g, "")])).toString();
          const res = await call(`${path}?${query}`, { headers: { Authorization: admin } });
          expect([200, 422]).toContain(res.status);
          const body = await res.json<any>();
          if (res.status === 422) expect(body.error).toBe("inventory/Unprocessable Entity");
          else if (path.endsWith("/count")) expect(typeof body).toBe("number");
          else expect(Array.isArray(body.managedObjects)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
    expect(await storeCounts()).toEqual(before);
  });

  it("fragmentType alone, any dotted name: 200 or 422 on all three paths (issue 21)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), fc.oneof(dotted, hostileText), async (path, name) => {
        const query = new URLSearchParams({ fragmentType: name.replace(/[\ud800-\udfff]/g, "") });
        const res = await call(`${path}?${query}`, { headers: { Authorization: admin } });
        expect([200, 422]).toContain(res.status);
        await res.body?.cancel();
      }),
      { numRuns: 100 },
    );
  });
});
