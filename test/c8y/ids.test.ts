import { describe, expect, it } from "vitest";
import { parseBasicCredentials } from "../../src/auth/basic-credentials";
import { CredentialCache } from "../../src/auth/credential-cache";
import { hashPassword, timingSafeEqual, verifyPassword } from "../../src/auth/passwords";
import { ApiError } from "../../src/errors";
import { contentDisposition } from "../../src/http/content-disposition";
import { parseIds } from "../../src/c8y/ids";
import { pageLinks, parsePaging } from "../../src/c8y/paging";

const query = (params: Record<string, string>) => (name: string) => params[name];

describe("parseIds", () => {
  it("takes comma separated and repeated values", () => {
    expect(parseIds(["1,2", "3", ""])).toEqual([1, 2, 3]);
    expect(parseIds(undefined)).toBeUndefined();
  });
  it("422 for non-numeric ids", () => {
    expect(() => parseIds(["1,a"])).toThrow(ApiError);
  });
});
