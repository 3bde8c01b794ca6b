import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { largeChunks, READ_BYTES } from "../../src/downloads/zip-archive";
import { randomBytes } from "../helpers";

async function chunksOf(size: number): Promise<{ sizes: number[]; bytes: Uint8Array }> {
  const original = randomBytes(size, size);
  await env.BUCKET.put(`chunks-${size}`, original);
  const object = await env.BUCKET.get(`chunks-${size}`);
  const sizes: number[] = [];
  const parts: Uint8Array[] = [];
  for await (const chunk of largeChunks(object!.body)) {
    sizes.push(chunk.byteLength);
    parts.push(chunk);
  }
  const bytes = new Uint8Array(sizes.reduce((a, b) => a + b, 0));
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.byteLength;
  }
  expect(bytes).toEqual(original);
  return { sizes, bytes };
}

describe("largeChunks", () => {
  it("hands R2's small chunks on as READ_BYTES pieces, the same bytes in the same order", async () => {
    const { sizes } = await chunksOf(3 * READ_BYTES + 1000);
    expect(sizes).toEqual([READ_BYTES, READ_BYTES, READ_BYTES, 1000]);
  });

  it("ends cleanly on an exact multiple and on an empty body", async () => {
    expect((await chunksOf(2 * READ_BYTES)).sizes).toEqual([READ_BYTES, READ_BYTES]);
    expect((await chunksOf(0)).sizes).toEqual([]);
  });
});
