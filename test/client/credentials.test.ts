import { describe, expect, it } from "vitest";
import { base64ToHex, basicAuthorization } from "../../client/credentials";
import { ApiRequestError, describeError, errorOf } from "../../client/errors";
import { type BinaryObject, etagOf, md5HexOf } from "../../client/managed-object";

describe("basicAuthorization", () => {
  it("prefixes the tenant and encodes UTF-8, not Latin-1", () => {
    expect(basicAuthorization({ tenant: "t1", user: "admin", password: "admin" })).toBe(
      `Basic ${btoa("t1/admin:admin")}`,
    );
    expect(basicAuthorization({ tenant: "", user: "admin", password: "admin" })).toBe(`Basic ${btoa("admin:admin")}`);
    const header = basicAuthorization({ tenant: "t", user: "jörg", password: "pässwörd€" });
    const bytes = Uint8Array.from(atob(header.slice(6)), (c) => c.charCodeAt(0));
    expect(new TextDecoder().decode(bytes)).toBe("t/jörg:pässwörd€");
  });
});

describe("digests", () => {
  const object = {
    id: "1",
    name: "a.txt",
    _attachments: { "a.txt": { digest: "md5-XrY7u+Ae7tCTyyK7j1rNww==" } },
  } as unknown as BinaryObject;
  it("turns the base64 MD5 of _attachments into hex and into the download's ETag", () => {
    expect(base64ToHex("XrY7u+Ae7tCTyyK7j1rNww==")).toBe("5eb63bbbe01eeed093cb22bb8f5acdc3");
    expect(md5HexOf(object)).toBe("5eb63bbbe01eeed093cb22bb8f5acdc3");
    expect(etagOf(object)).toBe('"XrY7u+Ae7tCTyyK7j1rNww=="');
  });
  it("has no digest when the object carries none", () => {
    const bare = { id: "2", name: "b" } as unknown as BinaryObject;
    expect(md5HexOf(bare)).toBe("");
    expect(etagOf(bare)).toBeUndefined();
  });
});

describe("API errors", () => {
  it("keeps the API's message and code, and says what to do for the statuses people hit", async () => {
    const body = JSON.stringify({ error: "inventory/Not Found", message: "Managed object not found." });
    const notFound = await errorOf(new Response(body, { status: 404 }), "Reading");
    expect(notFound).toBeInstanceOf(ApiRequestError);
    expect(notFound.code).toBe("inventory/Not Found");
    expect(describeError(notFound)).toBe("Not found: Managed object not found.");
    expect(describeError(await errorOf(new Response("", { status: 412 }), "Replacing"))).toContain(
      "Somebody changed this file",
    );
    const throttled = await errorOf(new Response("{}", { status: 429, headers: { "Retry-After": "8" } }), "Login");
    expect(describeError(throttled)).toBe("Too many failed logins; try again in 8 s.");
  });
  it("falls back to the status when the body is not the error JSON", async () => {
    const error = await errorOf(new Response("<html>bad gateway</html>", { status: 502 }), "Listing files");
    expect(describeError(error)).toBe("The server failed (HTTP 502): Listing files failed with HTTP 502.");
  });
});
