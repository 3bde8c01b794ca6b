import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonDepth, valueDepth } from "../../src/utils/json-depth";

describe("jsonDepth and valueDepth", () => {
  it("agree on every JSON value (text measured = value measured)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(jsonDepth(JSON.stringify(value))).toBe(valueDepth(value));
      }),
      { numRuns: 500 },
    );
  });

  it("ignore brackets inside strings, escaped quotes included", () => {
    expect(jsonDepth('{"a":"[[[{{{","b":"\\"[[["}')).toBe(1);
    expect(jsonDepth('["\\\\",[]]')).toBe(2);
  });

  it("measure a 1,000,000-deep document without touching the stack, and stop early when asked", () => {
    const deep = "[".repeat(1_000_000) + "]".repeat(1_000_000);
    expect(jsonDepth(deep)).toBe(1_000_000);
    expect(jsonDepth(deep, 64)).toBe(65);
    let value: unknown = 1;
    for (let i = 0; i < 200_000; i++) value = [value];
    expect(valueDepth(value)).toBe(200_000);
  });
});
