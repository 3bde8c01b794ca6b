/// <reference types="node" />
/**
 * Early answers arrive as sent (docs/api.md#request-handling-common-to-all-endpoints): when the service answers before
 * it has read the whole request body (413 for an oversized `object` part, 401 for an upload without credentials),
 * an HTTP/1.1 client still sending that body must see the status, not ECONNRESET or the local
 * proxy's 500. node:http writes the body as a real client does and reports what it receives.
 */
import { request } from "node:http";
import { describe, expect, inject, it } from "vitest";

const baseUrl = inject("baseUrl");
const authorization = `Basic ${Buffer.from("management/admin:admin").toString("base64")}`;
const MB = 1_000_000;

/** POSTs `parts` (written in 64 KiB pieces, as a client streams a file) and reports status and error code. */
function post(
  headers: Record<string, string>,
  parts: Buffer[],
): Promise<{ status: number; error?: undefined } | { status?: undefined; error: string }> {
  return new Promise((resolve) => {
    const length = parts.reduce((n, part) => n + part.length, 0);
    const req = request(`${baseUrl}/inventory/binaries`, {
      method: "POST",
      headers: { ...headers, "Content-Length": String(length), Accept: "application/json" },
    });
    let settled = false;
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => {
        settled = true;
        resolve({ status: res.statusCode ?? 0 });
      });
    });
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (!settled) resolve({ error: error.code ?? error.message });
    });
    (async () => {
      for (const part of parts) {
        for (let at = 0; at < part.length; at += 64 * 1024) {
          if (req.destroyed) return;
          if (!req.write(part.subarray(at, at + 64 * 1024)))
            await new Promise((r) => {
              req.once("drain", r);
              req.once("close", r);
            });
        }
      }
      req.end();
    })();
  });
}

function multipart(objectBytes: number, fileBytes: number) {
  const boundary = "early-answer-boundary-7f3a";
  const object = JSON.stringify({ name: "big.bin", type: "c8y_Firmware", pad: "p".repeat(objectBytes) });
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    parts: [
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="object"\r\n\r\n${object}\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n`),
      Buffer.alloc(fileBytes, 7),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ],
  };
}

describe("early answers over HTTP/1.1", () => {
  it("20 of 20 uploads with a 5 MB object part get 413", async () => {
    const form = multipart(5 * MB, 1000);
    const seen: string[] = [];
    for (let i = 0; i < 20; i++) {
      const result = await post({ Authorization: authorization, "Content-Type": form.contentType }, form.parts);
      seen.push(String(result.status ?? result.error));
    }
    expect(seen).toEqual(Array(20).fill("413"));
  });

  it("an unauthenticated 50 MB upload gets 401", async () => {
    const form = multipart(10, 50 * MB);
    const result = await post({ "Content-Type": form.contentType }, form.parts);
    expect(result).toEqual({ status: 401 });
    // And the service still answers on a fresh connection.
    expect((await fetch(`${baseUrl}/inventory/binaries`, { headers: { Authorization: authorization } })).status).toBe(
      200,
    );
  });
});
