import { describe, expect, it } from "vitest";
import { parseBasicCredentials } from "../../src/auth/basic-credentials";
import { CredentialCache } from "../../src/auth/credential-cache";
import { hashPassword, timingSafeEqual, verifyPassword } from "../../src/auth/passwords";
import { ApiError } from "../../src/errors";
import { contentDisposition } from "../../src/http/content-disposition";
import { parseIds } from "../../src/c8y/ids";
import { pageLinks, parsePaging } from "../../src/c8y/paging";

const query = (params: Record<string, string>) => (name: string) => params[name];

describe("boundaryOf", async () => {
  const { boundaryOf } = await import("../../src/uploads/multipart-parser");
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
