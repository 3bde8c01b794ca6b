/// <reference types="node" />
/**
 * Fair limits (docs/api.md#rate-limits) under `npm start`: the Rate Limiting bindings of
 * wrangler.toml, as miniflare runs them, answer 429 with Retry-After once a signed link has used up
 * its share of the minute (600); another link to the same binary goes on. (The tenant, login and
 * address limits, 30,000, 6,000 and 600 a minute, are reached under `npm start` by
 * rate-limits-low.e2e.test.ts, on its own service with those limits lowered.)
 * The binding's windows are aligned to the wall clock's minutes, so a burst may straddle two of them:
 * it is sent until the first 429, at most 1,300 requests (more than two windows' worth).
 */
import { describe, expect, inject, it } from "vitest";

const baseUrl = inject("baseUrl");
const admin = `Basic ${Buffer.from("management/admin:admin").toString("base64")}`;

/** Sends up to `n` requests, `parallel` at a time, until one is refused; resolves the statuses and that 429. */
async function burst(n: number, parallel: number, send: () => Promise<Response>) {
  const statuses: number[] = [];
  let refused: Response | undefined;
  let sent = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (sent < n && !refused) {
        sent += 1;
        const res = await send();
        statuses.push(res.status);
        if (res.status === 429 && !refused) refused = res;
        else await res.arrayBuffer();
      }
    }),
  );
  return { statuses, refused };
}

describe("rate limits under npm start", () => {
  it("a signed link over 600 downloads in a minute gets 429; a new link to the same binary works", async () => {
    const form = new FormData();
    form.append("object", JSON.stringify({ name: "rl-fw.bin", type: "c8y_Firmware" }));
    form.append("file", new Blob(["firmware image for the rate limit test"]), "rl-fw.bin");
    const created = await fetch(`${baseUrl}/inventory/binaries`, {
      method: "POST",
      headers: { Authorization: admin, Accept: "application/json" },
      body: form,
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const mint = async (expiresInSeconds: number) => {
      const res = await fetch(`${baseUrl}/inventory/binaries/${id}/links`, {
        method: "POST",
        headers: { Authorization: admin, "Content-Type": "application/json" },
        body: JSON.stringify({ expiresInSeconds }),
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as { url: string }).url;
    };
    const link = await mint(600);
    const { statuses, refused } = await burst(1300, 8, () => fetch(link));
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(600);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(1200);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    expect(refused?.headers.get("Retry-After")).toBe("60");
    const fresh = await fetch(await mint(900));
    expect(fresh.status).toBe(200);
    expect(await fresh.text()).toBe("firmware image for the rate limit test");
  });
});
