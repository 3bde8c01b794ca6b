import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { parseBasicCredentials } from "../../src/auth/basic-credentials";
import { call, multipartBody, seedUser, storeCounts, upload } from "../helpers";

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
