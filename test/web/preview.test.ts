import { describe, expect, it } from "vitest";
import { parseCsv, previewKindOf } from "../../web/src/preview";

describe("previewKindOf", () => {
  it("chooses the viewer by content type, then by file name", () => {
    expect(previewKindOf({ contentType: "image/png", name: "x" })).toBe("image");
    expect(previewKindOf({ contentType: "application/octet-stream", name: "photo.JPG" })).toBe("image");
    expect(previewKindOf({ contentType: "application/pdf", name: "x" })).toBe("pdf");
    expect(previewKindOf({ contentType: "text/csv", name: "x" })).toBe("csv");
    expect(previewKindOf({ contentType: "application/vnd.api+json", name: "x" })).toBe("json");
    expect(previewKindOf({ contentType: "application/octet-stream", name: "settings.yaml" })).toBe("text");
    expect(previewKindOf({ contentType: "text/plain; charset=utf-8", name: "x" })).toBe("text");
    expect(previewKindOf({ contentType: "application/zip", name: "firmware.bin" })).toBe("none");
  });
});

describe("parseCsv", () => {
  it("reads quoted fields, doubled quotes and CRLF", () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi"""\r\n1,\n', 10)).toEqual([
      ["a", "b"],
      ["x, y", 'say "hi"'],
      ["1", ""],
    ]);
  });
  it("stops after maxRows and keeps a last line without newline", () => {
    expect(parseCsv("1\n2\n3\n4", 2)).toEqual([["1"], ["2"]]);
    expect(parseCsv("1\n2", 5)).toEqual([["1"], ["2"]]);
  });
});
