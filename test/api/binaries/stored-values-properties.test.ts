import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { call, multipartBody, seedUser, storeCounts } from "../../helpers";

/**
 * Everything stored is valid when read back, as a property: hostile Content-Types, names and
 * nesting depths are either refused (4xx, nothing stored) or stored such that every read of the
 * binary answers 200.
 */
let admin: string;
beforeAll(async () => {
  admin = await seedUser("t1", "alice");
});

// Content-Types as a multipart part header can carry them: any byte but CR and LF (which end the line).
const contentType = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }).map((s) => s.replace(/[\r\n\ud800-\udfff]/g, "")),
  fc.constantFrom("text/plain", 'text/plain; charset="utf-8"', "a/b;", "text/plain\u007f", "x/y\u0000", "t/\u00e9"),
  fc.nat({ max: 300 }).map((n) => `application/${"x".repeat(n)}`),
);
const nested = fc.nat({ max: 100 }).map((depth) => "[".repeat(depth) + "]".repeat(depth));
const name = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.nat({ max: 300 }).map((n) => "n".repeat(n)),
);

describe("stored values", () => {
  it("a stored upload is always readable: GET, HEAD, managed object and list answer 200", async () => {
    await fc.assert(
      fc.asyncProperty(contentType, nested, name, async (type, deep, objectName) => {
        const object = `{"name":${JSON.stringify(objectName)},"type":"t","c8y_Deep":${deep}}`;
        const { body, contentType: header } = multipartBody([
          { name: "object", value: object },
          { name: "file", value: "bytes", filename: "f.bin", contentType: type },
        ]);
        const before = await storeCounts();
        const res = await call("/inventory/binaries", {
          method: "POST",
          body,
          headers: { Authorization: admin, "Content-Type": header, Accept: "application/json" },
        });
        expect(res.status).toBeLessThan(500);
        if (res.status !== 201) {
          await res.arrayBuffer();
          expect(await storeCounts()).toEqual(before);
          return;
        }
        const { id } = await res.json<{ id: string }>();
        for (const [path, method] of [
          [`/inventory/binaries/${id}`, "GET"],
          [`/inventory/binaries/${id}`, "HEAD"],
          [`/inventory/managedObjects/${id}`, "GET"],
          [`/inventory/binaries?ids=${id}`, "GET"],
        ] as const) {
          const read = await call(path, { method, headers: { Authorization: admin } });
          expect(read.status, `${method} ${path}`).toBe(200);
          await read.arrayBuffer();
        }
      }),
      { numRuns: 150 },
    );
  });
});
