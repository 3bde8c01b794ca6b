import { describe, expect, it } from "vitest";
import { sfBoolean, sfInteger, sfIntegerDictionary } from "../../src/http/structured-fields";
import { filenameOf, intentFromMetadata } from "../../src/resumable/metadata";
import { nonNegativeInteger, parseUploadChecksum, parseUploadMetadata } from "../../src/resumable/tus-headers";

const b64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

describe("structured fields", () => {
  it("reads sf-integer and sf-boolean items, ignoring parameters, rejecting the rest", () => {
    expect(sfInteger("42")).toBe(42);
    expect(sfInteger(" 7;a=1")).toBe(7);
    expect(sfInteger("4.2")).toBeUndefined();
    expect(sfInteger("1234567890123456")).toBeUndefined();
    expect(sfInteger(undefined)).toBeUndefined();
    expect(sfBoolean("?1")).toBe(true);
    expect(sfBoolean("?0")).toBe(false);
    expect(sfBoolean("true")).toBeUndefined();
    expect(sfIntegerDictionary({ "max-size": 10, "max-age": 3.7 })).toBe("max-size=10, max-age=3");
  });
});

describe("tus headers", () => {
  it("Upload-Length and Upload-Offset are plain non-negative integers", () => {
    expect(nonNegativeInteger("0")).toBe(0);
    expect(nonNegativeInteger(" 12 ")).toBe(12);
    for (const bad of ["-1", "+1", "1e3", "0x10", "", "99999999999999999"])
      expect(nonNegativeInteger(bad)).toBe("invalid");
    expect(nonNegativeInteger(undefined)).toBeUndefined();
  });

  it("Upload-Metadata: pairs, empty values, UTF-8; malformed input is a reason string", () => {
    const parsed = parseUploadMetadata(`filename ${b64("Grüße.txt")}, is_confidential,type ${b64("a")}`);
    expect(parsed).toEqual(
      new Map([
        ["filename", "Grüße.txt"],
        ["is_confidential", ""],
        ["type", "a"],
      ]),
    );
    expect(() => parseUploadMetadata("a b c")).toThrow(/malformed pair/);
    expect(() => parseUploadMetadata("a !!!!")).toThrow(/not base64/);
    expect(() => parseUploadMetadata(`a ${b64("x")},a ${b64("y")}`)).toThrow(/repeats the key/);
    expect(() => parseUploadMetadata("a /w==")).toThrow(/not base64 of UTF-8/); // not UTF-8
  });

  it("Upload-Checksum: known algorithms only", () => {
    expect(parseUploadChecksum("sha1 AAAA")).toEqual({ algorithm: "sha1", digest: "AAAA" });
    expect(parseUploadChecksum("SHA256 AAAA")).toEqual({ algorithm: "sha256", digest: "AAAA" });
    expect(() => parseUploadChecksum("crc32 AAAA")).toThrow(/not supported/);
    expect(() => parseUploadChecksum("md5")).toThrow(/must be/);
    expect(parseUploadChecksum(undefined)).toBeUndefined();
  });
});

describe("metadata -> managed object", () => {
  it("explicit keys win over the object; filetype sets contentType", () => {
    const intent = intentFromMetadata(
      new Map([
        ["object", JSON.stringify({ name: "from-object", type: "t1", c8y_X: { a: 1 }, id: "999" })],
        ["filename", "real.bin"],
        ["filetype", "image/png"],
      ]),
      65536,
    );
    expect(intent).toEqual({ name: "real.bin", type: "t1", contentType: "image/png", fragments: { c8y_X: { a: 1 } } });
    expect(() => intentFromMetadata(new Map([["binaryId", "12a"]]), 65536)).toThrow(/binaryId/);
    expect(() => intentFromMetadata(new Map([["object", "x".repeat(100)]]), 50)).toThrow(/larger/);
  });

  it("Content-Disposition file names, plain and extended", () => {
    expect(filenameOf('inline; filename="a b.txt"')).toBe("a b.txt");
    expect(filenameOf("inline; filename*=UTF-8''Gr%C3%BC%C3%9Fe.txt; filename=x")).toBe("Grüße.txt");
    expect(filenameOf("inline; filename=plain.txt")).toBe("plain.txt");
    expect(filenameOf(undefined)).toBeUndefined();
  });
});
