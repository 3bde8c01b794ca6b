import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { call, multipartBody, seedUser, storeCounts, upload } from "../../helpers";

/** Random and hostile input: never a 5xx, and a rejected request changes nothing. */
let admin: string;
beforeAll(async () => {
  admin = await seedUser("t1", "alice");
  for (let i = 0; i < 3; i++) await upload(admin, `seed-${i}.bin`, `seed ${i}`);
});

describe("hostile multipart uploads", () => {
  const validParts = () => [
    { name: "object", value: '{"name":"f.bin","type":"t"}' },
    { name: "filesize", value: "5" },
    { name: "file", value: "12345", filename: "f.bin" },
  ];

  it("mutated bodies answer 201 or a 4xx, never 5xx; rejected ones store nothing", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(validParts(), { minLength: 0 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom("cut", "flip", "insert")), { maxLength: 3 }),
        fc.uint8Array({ maxLength: 16 }),
        fc.constantFrom(
          "multipart/form-data; boundary=B0UND",
          'multipart/form-data; boundary="B0UND"',
          "multipart/form-data",
          "multipart/form-data; boundary=",
          "text/plain",
          "multipart/form-data; boundary=OTHER",
        ),
        async (parts, mutations, junk, contentType) => {
          let { body } = multipartBody(parts, "B0UND");
          for (const [at, kind] of mutations) {
            const i = body.length === 0 ? 0 : at % body.length;
            if (kind === "cut") body = body.slice(0, i);
            else if (kind === "flip" && body.length > 0) body[i] = body[i]! ^ 0xff;
            else body = new Uint8Array([...body.slice(0, i), ...junk, ...body.slice(i)]);
          }
          const before = await storeCounts();
          const res = await call("/inventory/binaries", {
            method: "POST",
            body,
            headers: { Authorization: admin, "Content-Type": contentType },
          });
          expect(res.status).toBeLessThan(500);
          await res.arrayBuffer();
          const after = await storeCounts();
          if (res.status === 201) expect(after).toEqual({ rows: before.rows + 1, objects: before.objects + 1 });
          else expect(after).toEqual(before);
        },
      ),
      { numRuns: 200 },
    );
  });
});
