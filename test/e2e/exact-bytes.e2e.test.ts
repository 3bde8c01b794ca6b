/// <reference types="node" />
/**
 * Downloads over real HTTP keep their exact bytes and length. `wrangler dev` gzips text-like
 * responses for any client that sends Accept-Encoding, ignoring `Cache-Control: no-transform`; the
 * service answers `Content-Encoding: identity` so that no layer recompresses a binary (docs/api.md#download-get-head).
 * node:http is used because fetch would silently decompress and hide the problem.
 */
import { request } from "node:http";
import { describe, expect, inject, it } from "vitest";

const baseUrl = inject("baseUrl");
const authorization = `Basic ${Buffer.from("management/admin:admin").toString("base64")}`;

function rawGet(path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
    (resolve, reject) => {
      const req = request(`${baseUrl}${path}`, { headers: { Authorization: authorization, ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end();
    },
  );
}

describe("exact bytes over HTTP", () => {
  it("a text/plain binary is not compressed for a client that accepts gzip, whole or ranged", async () => {
    const text = "line of plain, very compressible text\n".repeat(2000);
    const form = new FormData();
    form.append("object", JSON.stringify({ name: "notes.txt", type: "text" }));
    form.append("file", new Blob([text], { type: "text/plain" }), "notes.txt");
    const created = await fetch(`${baseUrl}/inventory/binaries`, {
      method: "POST",
      body: form,
      headers: { Authorization: authorization, Accept: "application/json" },
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };

    const whole = await rawGet(`/inventory/binaries/${id}`, { "Accept-Encoding": "gzip, deflate, br" });
    expect(whole.status).toBe(200);
    expect(whole.headers["content-encoding"] ?? "identity").toBe("identity");
    expect(whole.headers["content-length"]).toBe(String(text.length));
    expect(whole.body.toString()).toBe(text);

    const part = await rawGet(`/inventory/binaries/${id}`, { "Accept-Encoding": "gzip", Range: "bytes=10-49" });
    expect(part.status).toBe(206);
    expect(part.headers["content-encoding"] ?? "identity").toBe("identity");
    expect(part.headers["content-length"]).toBe("40");
    expect(part.body.toString()).toBe(text.slice(10, 50));
  });
});
