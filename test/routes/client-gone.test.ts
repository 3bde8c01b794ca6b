import { Hono } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import { clientWentAway, handleError } from "../../src/routes/context";

afterEach(() => vi.restoreAllMocks());

/** An app whose only route fails the way workerd fails a body read after the client closed the connection. */
function failingWith(message: string) {
  const app = new Hono();
  app.get("/", () => {
    throw new Error(message);
  });
  app.onError(handleError);
  return app;
}

describe("a client that goes away mid-request (a reloaded page, a cancelled upload)", () => {
  it("is one quiet log line, not a red 'unhandled error' stack trace", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const logs = vi.spyOn(console, "log").mockImplementation(() => {});
    const res = await failingWith("Network connection lost.").request("/");
    expect(res.status).toBe(500);
    expect(errors).not.toHaveBeenCalled();
    expect(logs).toHaveBeenCalledWith("client went away", "GET", "/");
  });

  it("other failures still log the stack trace", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    await failingWith("boom").request("/");
    expect(errors.mock.calls[0]?.[0]).toBe("unhandled error");
  });

  it("recognises workerd's wording only", () => {
    expect(clientWentAway(new Error("Network connection lost."))).toBe(true);
    expect(clientWentAway(new Error("The client has disconnected."))).toBe(true);
    expect(clientWentAway(new Error("uploadPart: The specified multipart upload does not exist"))).toBe(false);
  });
});
