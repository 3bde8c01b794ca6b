import { describe, expect, it } from "vitest";
import { shortenName } from "../../src/http/content-disposition";
import { isValidMediaType } from "../../src/http/media-type";

describe("isValidMediaType", () => {
  it.each([
    "application/octet-stream",
    "text/plain; charset=utf-8",
    'text/plain;charset="utf-8";format=flowed',
    "multipart/form-data; boundary=----x",
    "application/vnd.com.nsn.cumulocity.managedObject+json;ver=0.9",
    'text/plain; a="quoted \\" and ; semicolon"',
    "text/plain;",
  ])("accepts %j", (value) => expect(isValidMediaType(value)).toBe(true));

  it.each([
    "",
    "text",
    "text/",
    "/plain",
    "text /plain",
    "text/plain\r\nX-Injected: 1",
    "text/plain\u0000",
    "text/pl\u007fain",
    "text/pl\u00e4in",
    "text/plain; a=b c",
    'text/plain; a="unterminated',
    `application/${"x".repeat(245)}`,
  ])("refuses %j", (value) => expect(isValidMediaType(value)).toBe(false));
});

describe("shortenName", () => {
  it("keeps short names and cuts long ones on a code point boundary, keeping the extension", () => {
    expect(shortenName("report.pdf")).toBe("report.pdf");
    const cut = shortenName(`${"\u{1F600}".repeat(500)}.tar.gz`, 20);
    expect(Array.from(cut)).toHaveLength(20);
    expect(cut.endsWith("\u2026.gz")).toBe(true);
    expect(() => encodeURIComponent(cut)).not.toThrow(); // no lone surrogate
  });
});
