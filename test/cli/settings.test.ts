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

describe("resolveSettings with tokens", () => {
  const env = { C8Y_BASEURL: "http://127.0.0.1:8787", C8Y_TENANT: "t1", C8Y_USER: "u", C8Y_PASSWORD: "p" };
  const saved = { baseUrl: "http://127.0.0.1:8787/", tenant: "t1", user: "u", token: "saved.jwt.x", expires: 2_000 };
  it("C8Y_TOKEN or --token first, then the saved token of the same service and login, then the password", () => {
    expect(resolveSettings({}, { ...env, C8Y_TOKEN: "env.jwt.x" }, saved, 1_000).authorization).toBe(
      "Bearer env.jwt.x",
    );
    expect(resolveSettings({ token: "flag.jwt.x" }, env, saved, 1_000).authorization).toBe("Bearer flag.jwt.x");
    expect(resolveSettings({}, env, saved, 1_000).authorization).toBe("Bearer saved.jwt.x");
    // Without a password too: the saved token is enough.
    expect(resolveSettings({}, { C8Y_BASEURL: env.C8Y_BASEURL }, saved, 1_000).authorization).toBe(
      "Bearer saved.jwt.x",
    );
  });
  it("falls back to the password when the saved token expired, or is for another service, user or tenant", () => {
    const basicAuth = `Basic ${btoa("t1/u:p")}`;
    expect(resolveSettings({}, env, saved, 2_000).authorization).toBe(basicAuth);
    expect(resolveSettings({}, env, { ...saved, baseUrl: "http://other:8787/" }, 1_000).authorization).toBe(basicAuth);
    expect(resolveSettings({}, env, { ...saved, user: "v" }, 1_000).authorization).toBe(basicAuth);
    expect(resolveSettings({}, env, { ...saved, tenant: "t2" }, 1_000).authorization).toBe(basicAuth);
    expect(() => resolveSettings({}, { C8Y_BASEURL: "http://x", C8Y_USER: "u" })).toThrow("c8y-binaries login");
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
