import { describe, expect, it } from "vitest";
import { parseBasicCredentials } from "../../src/auth/basic-credentials";

const _query = (params: Record<string, string>) => (name: string) => params[name];

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
  it.each([
    undefined,
    "",
    "Basic",
    "Basic !!",
    b(":p"),
    b("t/:p"),
    b("nocolon"),
    "Digest abc",
    `Basic ${btoa("\xff:p")}`,
  ])("refuses %j", (header) => {
    expect(parseBasicCredentials(header)).toBeUndefined();
  });
});
