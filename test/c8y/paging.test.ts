import { describe, expect, it } from "vitest";
import { pageLinks, parsePaging } from "../../src/c8y/paging";
import { ApiError } from "../../src/errors";

const query = (params: Record<string, string>) => (name: string) => params[name];

describe("parsePaging", () => {
  it("defaults, caps and flags", () => {
    expect(parsePaging(query({}))).toEqual({
      pageSize: 5,
      currentPage: 1,
      withTotalPages: false,
      withTotalElements: false,
    });
    expect(parsePaging(query({ pageSize: "2001", currentPage: "3", withTotalPages: "TRUE" }))).toMatchObject({
      pageSize: 2000,
      currentPage: 3,
      withTotalPages: true,
    });
  });
  it.each(["0", "-1", "x", "1e3", " ", "99999999999999999"])("rejects %j with 422", (value) => {
    expect(() => parsePaging(query({ pageSize: value }))).toThrow(ApiError);
    try {
      parsePaging(query({ currentPage: value }));
    } catch (error) {
      expect((error as ApiError).status).toBe(422);
    }
  });
});

describe("pageLinks", () => {
  it("keeps every parameter and always names currentPage", () => {
    const links = pageLinks(
      "http://h/inventory/binaries?type=a&currentPage=2",
      { pageSize: 5, currentPage: 2, withTotalPages: false, withTotalElements: false },
      true,
    );
    expect(links).toEqual({
      self: "http://h/inventory/binaries?type=a&currentPage=2&pageSize=5",
      next: "http://h/inventory/binaries?type=a&currentPage=3&pageSize=5",
      prev: "http://h/inventory/binaries?type=a&currentPage=1&pageSize=5",
    });
  });
});
