import { describe, expect, it } from "vitest";
import { parseIds } from "../../src/c8y/ids";
import { ApiError } from "../../src/errors";

const _query = (params: Record<string, string>) => (name: string) => params[name];

describe("parseIds", () => {
  it("takes comma separated and repeated values", () => {
    expect(parseIds(["1,2", "3", ""])).toEqual([1, 2, 3]);
    expect(parseIds(undefined)).toBeUndefined();
  });
  it("422 for non-numeric ids", () => {
    expect(() => parseIds(["1,a"])).toThrow(ApiError);
  });
});
