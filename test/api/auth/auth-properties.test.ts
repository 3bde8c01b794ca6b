import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseBasicCredentials } from "../../../src/auth/basic-credentials";
import { hostileText } from "../../arbitraries";
import { call } from "../../helpers";

/** Random and hostile credentials: never a throw in the parser, never a 5xx from the worker. */

describe("Authorization header parser", () => {
  it("never throws on arbitrary strings", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary" }),
          hostileText.map((s) => `Basic ${s}`),
          fc
            .string({ unit: "binary" })
            .map((s) => `Basic ${btoa(unescape(encodeURIComponent(s.replace(/[\ud800-\udfff]/g, ""))))}`),
        ),
        (header) => {
          const parsed = parseBasicCredentials(header);
          if (parsed) expect(parsed.userName.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("answers 401 (never 5xx) for random credentials through the worker", async () => {
    await fc.assert(
      fc.asyncProperty(hostileText, hostileText, fc.boolean(), async (user, password, raw) => {
        // Only what a client can put in a header: Latin-1 without control characters, UTF-8 inside base64.
        const utf8 = (s: string) => unescape(encodeURIComponent(s.replace(/[\ud800-\udfff]/g, "")));
        const header = raw
          ? `Basic ${user.replace(/[^\x20-\x7e\xa0-\xff]/g, "")}`
          : `Basic ${btoa(utf8(`${user}:${password}`))}`;
        const res = await call("/inventory/binaries", { headers: { Authorization: header } });
        expect([401, 429]).toContain(res.status);
        await res.arrayBuffer();
      }),
      { numRuns: 60 },
    );
  });
});
