import { describe, expect, it } from "vitest";

const _query = (params: Record<string, string>) => (name: string) => params[name];

describe("boundaryOf", async () => {
  const { boundaryOf } = await import("../../src/ingest/form-data-parser");
  it.each([
    ["multipart/form-data; boundary=abc", "abc"],
    ["multipart/form-data;boundary=abc", "abc"],
    ['multipart/form-data; boundary="a b;c"', "a b;c"],
    ["multipart/form-data; charset=utf-8; BOUNDARY=x", "x"],
    ['multipart/form-data; foo="x; boundary=evil"; boundary=good', "good"],
    [`multipart/form-data; boundary=${"b".repeat(100)}`, "b".repeat(100)],
  ])("%s → %s", (header, expected) => {
    expect(boundaryOf(header)).toBe(expected);
  });
  it.each(["multipart/form-data", "multipart/form-data; boundary=", 'multipart/form-data; foo="boundary=x"'])(
    "%s → none",
    (header) => {
      expect(boundaryOf(header)).toBeUndefined();
    },
  );
});
