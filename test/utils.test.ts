import { describe, expect, it } from "vitest";
import { parseBasicCredentials } from "../src/auth/basic-credentials";
import { CredentialCache } from "../src/auth/credential-cache";
import { hashPassword, timingSafeEqual, verifyPassword } from "../src/auth/passwords";
import { ApiError } from "../src/errors";
import { contentDisposition } from "../src/http/content-disposition";
import { parseIds } from "../src/c8y/ids";
import { pageLinks, parsePaging } from "../src/c8y/paging";

const query = (params: Record<string, string>) => (name: string) => params[name];

describe("parsePaging", () => {
  it("defaults, caps and flags", () => {
    expect(parsePaging(query({}))).toEqual({ pageSize: 5, currentPage: 1, withTotalPages: false, withTotalElements: false });
    expect(parsePaging(query({ pageSize: "2001", currentPage: "3", withTotalPages: "TRUE" }))).toMatchObject({ pageSize: 2000, currentPage: 3, withTotalPages: true });
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
    const links = pageLinks("http://h/inventory/binaries?type=a&currentPage=2", { pageSize: 5, currentPage: 2, withTotalPages: false, withTotalElements: false }, true);
    expect(links).toEqual({
      self: "http://h/inventory/binaries?type=a&currentPage=2&pageSize=5",
      next: "http://h/inventory/binaries?type=a&currentPage=3&pageSize=5",
      prev: "http://h/inventory/binaries?type=a&currentPage=1&pageSize=5",
    });
  });
});

describe("contentDisposition", () => {
  it("plain ASCII names are quoted as they are", () => {
    expect(contentDisposition("a b.pdf")).toBe('attachment; filename="a b.pdf"');
  });
  it("adds filename* for names that cannot go raw, and survives lone surrogates", () => {
    expect(contentDisposition("日本.txt")).toBe("attachment; filename=\"__.txt\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt");
    expect(contentDisposition("a\ud800b")).toBe("attachment; filename=\"a_b\"; filename*=UTF-8''a%EF%BF%BDb");
    expect(contentDisposition("it's")).toBe('attachment; filename="it\'s"');
  });
});

describe("parseBasicCredentials", () => {
  const b = (s: string) => `Basic ${btoa(s)}`;
  it.each([
    [b("t/u:p"), { tenant: "t", userName: "u", password: "p" }],
    [b("u:p:q"), { tenant: undefined, userName: "u", password: "p:q" }],
    [b("u:"), { tenant: undefined, userName: "u", password: "" }],
    [`basic  ${btoa("u:p")}`, { tenant: undefined, userName: "u", password: "p" }],
  ])("parses %s", (header, expected) => {
    expect(parseBasicCredentials(header)).toEqual(expected);
  });
  it.each([undefined, "", "Basic", "Basic !!", b(":p"), b("t/:p"), b("nocolon"), "Digest abc", `Basic ${btoa("\xff:p")}`])("refuses %j", (header) => {
    expect(parseBasicCredentials(header)).toBeUndefined();
  });
});

describe("parseIds", () => {
  it("takes comma separated and repeated values", () => {
    expect(parseIds(["1,2", "3", ""])).toEqual([1, 2, 3]);
    expect(parseIds(undefined)).toBeUndefined();
  });
  it("422 for non-numeric ids", () => {
    expect(() => parseIds(["1,a"])).toThrow(ApiError);
  });
});

describe("passwords", () => {
  it("hash and verify, with a fresh salt each time", async () => {
    const a = await hashPassword("pw-123456");
    const b = await hashPassword("pw-123456");
    expect(a).not.toBe(b);
    expect(await verifyPassword("pw-123456", a)).toBe(true);
    expect(await verifyPassword("pw-123457", a)).toBe(false);
    expect(await verifyPassword("x", "garbage")).toBe(false);
  });
  it("timingSafeEqual compares whole arrays", () => {
    expect(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(timingSafeEqual(new Uint8Array([1]), new Uint8Array([1, 2]))).toBe(false);
  });
});

describe("CredentialCache", () => {
  it("expires entries, evicts the oldest when full, and forgets on demand", () => {
    const cache = new CredentialCache<string>(1000, 2);
    cache.set("a", "A", 0);
    cache.set("b", "B", 0);
    cache.set("c", "C", 0);
    expect(cache.get("a", 10)).toBeUndefined();
    expect(cache.get("b", 10)).toBe("B");
    expect(cache.get("b", 1000)).toBeUndefined();
    cache.deleteWhere((v) => v === "C");
    expect(cache.get("c", 10)).toBeUndefined();
  });
});

describe("login throttle policy", async () => {
  const { afterFailure, retryAfterSeconds, FREE_ATTEMPTS, MAX_BLOCK_MS, WINDOW_MS } = await import("../src/auth/login-throttle");
  it("lets the first failures through, then doubles the block up to a cap", () => {
    let state = undefined as ReturnType<typeof afterFailure> | undefined;
    const blocks: number[] = [];
    for (let i = 0; i < FREE_ATTEMPTS + 12; i++) {
      state = afterFailure(state, 1_000);
      blocks.push(retryAfterSeconds(state, 1_000));
    }
    expect(blocks.slice(0, FREE_ATTEMPTS - 1)).toEqual([0, 0, 0, 0]);
    expect(blocks.slice(FREE_ATTEMPTS - 1, FREE_ATTEMPTS + 3)).toEqual([1, 2, 4, 8]);
    expect(Math.max(...blocks)).toBe(MAX_BLOCK_MS / 1000);
  });
  it("a block always ends, and failures restart after a quiet window", () => {
    const state = afterFailure({ failures: 40, firstFailureMs: 0, blockedUntilMs: 0 }, 1);
    expect(retryAfterSeconds(state, 1 + MAX_BLOCK_MS)).toBe(0);
    expect(afterFailure(state, WINDOW_MS + 10).failures).toBe(1);
  });
});

describe("boundaryOf", async () => {
  const { boundaryOf } = await import("../src/uploads/multipart-parser");
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
  it.each(["multipart/form-data", "multipart/form-data; boundary=", 'multipart/form-data; foo="boundary=x"'])("%s → none", (header) => {
    expect(boundaryOf(header)).toBeUndefined();
  });
});
