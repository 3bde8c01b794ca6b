import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { parseBasicCredentials } from "../src/auth/basic-credentials";
import { call, multipartBody, seedUser, storeCounts, upload } from "./helpers";

/** Random and hostile input: never a 5xx, and a rejected request changes nothing. */
let admin: string;
beforeAll(async () => {
  admin = await seedUser("t1", "alice");
  for (let i = 0; i < 3; i++) await upload(admin, `seed-${i}.bin`, `seed ${i}`);
});

const hostileText = fc.oneof(
  fc.string({ unit: "grapheme-ascii", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("", " ", "-1", "0", "1e9", "NaN", "Infinity", "0x10", "1,2", "%", "_", "'", '"', "\\", "'; DROP TABLE binaries; --", "99999999999999999999", "\u0000", "\ud800"),
);

describe("Authorization header parser", () => {
  it("never throws on arbitrary strings", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), hostileText.map((s) => `Basic ${s}`), fc.string({ unit: "binary" }).map((s) => `Basic ${btoa(unescape(encodeURIComponent(s.replace(/[\ud800-\udfff]/g, ""))))}`)), (header) => {
        const parsed = parseBasicCredentials(header);
        if (parsed) expect(parsed.userName.length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });

  it("answers 401 (never 5xx) for random credentials through the worker", async () => {
    await fc.assert(
      fc.asyncProperty(hostileText, hostileText, fc.boolean(), async (user, password, raw) => {
        // Only what a client can put in a header: Latin-1 without control characters, UTF-8 inside base64.
        const utf8 = (s: string) => unescape(encodeURIComponent(s.replace(/[\ud800-\udfff]/g, "")));
        const header = raw ? `Basic ${user.replace(/[^\x20-\x7e\xa0-\xff]/g, "")}` : `Basic ${btoa(utf8(`${user}:${password}`))}`;
        const res = await call("/inventory/binaries", { headers: { Authorization: header } });
        expect([401, 429]).toContain(res.status);
        await res.arrayBuffer();
      }),
      { numRuns: 60 },
    );
  });
});

describe("paging and filter parameters", () => {
  const names = ["pageSize", "currentPage", "withTotalPages", "withTotalElements", "type", "owner", "ids", "text", "childAdditionId", "childAssetId", "childDeviceId", "query"];
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
        fc.constantFrom("multipart/form-data; boundary=B0UND", "multipart/form-data; boundary=\"B0UND\"", "multipart/form-data", "multipart/form-data; boundary=", "text/plain", "multipart/form-data; boundary=OTHER"),
        async (parts, mutations, junk, contentType) => {
          let { body } = multipartBody(parts, "B0UND");
          for (const [at, kind] of mutations) {
            const i = body.length === 0 ? 0 : at % body.length;
            if (kind === "cut") body = body.slice(0, i);
            else if (kind === "flip" && body.length > 0) body[i] = body[i]! ^ 0xff;
            else body = new Uint8Array([...body.slice(0, i), ...junk, ...body.slice(i)]);
          }
          const before = await storeCounts();
          const res = await call("/inventory/binaries", { method: "POST", body, headers: { Authorization: admin, "Content-Type": contentType } });
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
