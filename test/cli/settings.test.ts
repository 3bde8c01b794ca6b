import { describe, expect, it } from "vitest";
import { resolveSettings } from "../../cli/src/settings";
import { formatTable } from "../../cli/src/table";
import { UsageError } from "../../cli/src/usage-error";

describe("resolveSettings", () => {
  const env = { C8Y_BASEURL: "http://127.0.0.1:8787", C8Y_TENANT: "t1", C8Y_USER: "u", C8Y_PASSWORD: "p" };
  it("reads go-c8y-cli's variables, and flags win over them", () => {
    expect(resolveSettings({}, env)).toEqual({
      baseUrl: "http://127.0.0.1:8787/",
      authorization: `Basic ${btoa("t1/u:p")}`,
    });
    expect(resolveSettings({ user: "v", tenant: "t2" }, env).authorization).toBe(`Basic ${btoa("t2/v:p")}`);
    expect(resolveSettings({}, { C8Y_HOST: "example.com", C8Y_USERNAME: "u", C8Y_PASSWORD: "p" })).toEqual({
      baseUrl: "https://example.com/",
      authorization: `Basic ${btoa("u:p")}`,
    });
  });
  it("names what is missing", () => {
    expect(() => resolveSettings({}, {})).toThrow(UsageError);
    expect(() => resolveSettings({}, {})).toThrow("C8Y_BASEURL");
    expect(() => resolveSettings({}, { C8Y_BASEURL: "http://x" })).toThrow("C8Y_USER");
    expect(() => resolveSettings({}, { C8Y_BASEURL: "http://x", C8Y_USER: "u" })).toThrow("C8Y_PASSWORD");
    expect(() => resolveSettings({}, { ...env, C8Y_BASEURL: "http://" })).toThrow("Not a URL");
  });
});

describe("formatTable", () => {
  it("pads columns to their widest cell and trims line ends", () => {
    expect(
      formatTable(
        ["ID", "NAME"],
        [
          ["1", "a"],
          ["10002", "longer name"],
        ],
      ),
    ).toBe("ID     NAME\n1      a\n10002  longer name");
  });
});
