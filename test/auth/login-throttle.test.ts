import { describe, expect, it } from "vitest";
import { admitAttempt, FREE_ATTEMPTS, MAX_BLOCK_MS, throttleKey, WINDOW_MS } from "../../src/auth/login-throttle";
import { db } from "../helpers";

const NOBODY = { tenant: undefined, userName: "nobody" };

/** Seconds of block after each of `count` attempts made at `now` (0: the attempt was admitted). */
async function blocks(key: string, count: number, now: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    try {
      await admitAttempt(db(), key, NOBODY, now);
      out.push(0);
    } catch (error) {
      out.push(Number((error as { headers: Record<string, string> }).headers["Retry-After"]));
    }
  }
  return out;
}

describe("login throttle policy (one D1 upsert per attempt)", () => {
  it("admits the first attempts, then blocks; the block doubles with each admitted attempt, up to a cap", async () => {
    expect(await blocks("policy-a", FREE_ATTEMPTS + 3, 1_000)).toEqual([0, 0, 0, 0, 0, 1, 1, 1]);
    // Each time a block has run out, the next attempt is admitted and blocks twice as long, up to 5 min.
    const seen: number[] = [];
    let now = 1_000;
    let wait = 1;
    for (let i = 0; i < 9; i++) {
      now += wait * 1000;
      await admitAttempt(db(), "policy-a", NOBODY, now);
      wait = (await blocks("policy-a", 1, now))[0]!;
      seen.push(wait);
    }
    expect(seen).toEqual([2, 4, 8, 16, 32, 64, 128, 256, MAX_BLOCK_MS / 1000]);
  });

  it("counts restart after a quiet window", async () => {
    await blocks("policy-b", FREE_ATTEMPTS, 0);
    expect(await blocks("policy-b", 2, WINDOW_MS + MAX_BLOCK_MS + 1)).toEqual([0, 0]);
  });

  it("keys by the login as sent and the client address", () => {
    expect(throttleKey({ tenant: "t1", userName: "bob" }, "192.0.2.1")).toBe("t1/bob 192.0.2.1");
    expect(throttleKey({ tenant: undefined, userName: "bob" }, undefined)).toBe("bob -");
  });
});
