import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/errors";
import { readTextCapped } from "../../src/http/body";
import { contentLength } from "../../src/http/headers";
import { HttpInputError } from "../../src/http/input-error";
import { parseJsonObject } from "../../src/http/json";
import { asApiError } from "../../src/routes/context";

/** http/ throws its own generic error; routes/context.ts alone maps it to the catalogue (docs/architecture.md). */
describe("http/'s HttpInputError and its one mapping", () => {
  it("http/'s parsers throw HttpInputError, not the catalogue's ApiError", async () => {
    expect(() => contentLength("12x")).toThrow(HttpInputError);
    expect(() => parseJsonObject("[1]", "The body")).toThrow(HttpInputError);
    const body = new Blob(["0123456789"]).stream();
    await expect(readTextCapped(body, 4)).rejects.toMatchObject({ name: "HttpInputError", status: 413 });
    expect(() => contentLength("12x")).not.toThrow(ApiError);
  });

  it("a 400 becomes inventory/Invalid Request and a 413 inventory/Payload Too Large, with the message kept", () => {
    expect(asApiError(new HttpInputError(400, "Invalid Content-Length."))).toMatchObject({
      status: 400,
      error: "inventory/Invalid Request",
      message: "Invalid Content-Length.",
    });
    expect(asApiError(new HttpInputError(413, "The body is larger than 4 bytes."))).toMatchObject({
      status: 413,
      error: "inventory/Payload Too Large",
      message: "The body is larger than 4 bytes.",
    });
  });

  it("an ApiError stays itself and anything else is not the client's", () => {
    const own = new ApiError(409, "user/Conflict", "taken");
    expect(asApiError(own)).toBe(own);
    expect(asApiError(new Error("boom"))).toBeUndefined();
  });
});
