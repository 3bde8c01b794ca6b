import { describe, expect, it } from "vitest";
import {
  admitAttempt,
  countFailedAttempt,
  FREE_ATTEMPTS,
  forgetAttempts,
  MAX_BLOCK_MS,
  MAX_PENDING,
  PENDING_TTL_MS,
  throttleKey,
  WINDOW_MS,
} from "../../src/auth/login-throttle";
import { db } from "../helpers";

const NOBODY = { tenant: undefined, userName: "nobody" };

/** Retry-After of a refused attempt, 0 when admitted. */
async function admit(key: string, now: number): Promise<number> {
  try {
    await admitAttempt(db(), key, NOBODY, now);
    return 0;
  } catch (error) {
    return Number((error as { headers: Record<string, string> }).headers["Retry-After"]);
  }
}

/** `count` wrong guesses one after the other at `now`: 0 for each checked one, else its Retry-After. */
async function guesses(key: string, count: number, now: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const wait = await admit(key, now);
    if (wait === 0) await countFailedAttempt(db(), key, now);
    out.push(wait);
  }
  return out;
}

describe("login throttle policy (one D1 upsert per attempt, one per failure)", () => {
  it("checks the first failures, then blocks; the block doubles with each failure, up to a cap", async () => {
    expect(await guesses("policy-a", FREE_ATTEMPTS + 3, 1_000)).toEqual([0, 0, 0, 0, 0, 1, 1, 1]);
    // Each time a block has run out, the next guess is checked and its failure blocks twice as long, up to 5 min.
    const seen: number[] = [];
    let now = 1_000;
    let wait = 1;
    for (let i = 0; i < 9; i++) {
      now += wait * 1000;
      expect(await guesses("policy-a", 1, now)).toEqual([0]);
      wait = (await guesses("policy-a", 1, now))[0]!;
      seen.push(wait);
    }
    expect(seen).toEqual([2, 4, 8, 16, 32, 64, 128, 256, MAX_BLOCK_MS / 1000]);
  });

  it("counts restart after a quiet window", async () => {
    await guesses("policy-b", FREE_ATTEMPTS, 0);
    expect(await guesses("policy-b", 2, WINDOW_MS + MAX_BLOCK_MS + 1)).toEqual([0, 0]);
  });

  it("attempts in flight are not failures: many at once pass, up to the cap; successes never block", async () => {
    const admitted = [];
    for (let i = 0; i < MAX_PENDING; i++) admitted.push(await admit("policy-c", 5_000));
    expect(admitted).toEqual(Array(MAX_PENDING).fill(0));
    // One more while all are still being checked: refused for a second, not counted.
    expect(await admit("policy-c", 5_000)).toBe(1);
    // They all succeed: the key is clear, and another full burst passes.
    await forgetAttempts(db(), "policy-c");
    for (let i = 0; i < MAX_PENDING; i++) expect(await admit("policy-c", 6_000)).toBe(0);
  });

  it("a burst of wrong guesses: at most MAX_PENDING are checked, their failures block the key for 5 min", async () => {
    const burst = [];
    for (let i = 0; i < MAX_PENDING + 20; i++) burst.push(await admit("policy-d", 10_000));
    expect(burst.filter((wait) => wait === 0)).toHaveLength(MAX_PENDING);
    for (let i = 0; i < MAX_PENDING; i++) await countFailedAttempt(db(), "policy-d", 10_100);
    // MAX_PENDING failures: 1 s × 2^(MAX_PENDING − FREE_ATTEMPTS), capped.
    expect(await admit("policy-d", 10_100)).toBe(MAX_BLOCK_MS / 1000);
    // After the block, one guess at a time until the window ends; the right password works again.
    const after = 10_100 + MAX_BLOCK_MS;
    expect(await admit("policy-d", after)).toBe(0);
    expect(await admit("policy-d", after)).toBe(1);
    await forgetAttempts(db(), "policy-d");
    expect(await admit("policy-d", after)).toBe(0);
  });

  it("marks of attempts that never ended (a request cut off) lapse", async () => {
    for (let i = 0; i < MAX_PENDING; i++) await admit("policy-e", 20_000);
    expect(await admit("policy-e", 20_000 + PENDING_TTL_MS)).toBe(1);
    expect(await admit("policy-e", 20_000 + PENDING_TTL_MS + 1)).toBe(0);
  });

  it("keys by the login as sent and the client address", () => {
    expect(throttleKey({ tenant: "t1", userName: "bob" }, "192.0.2.1")).toBe("t1/bob 192.0.2.1");
    expect(throttleKey({ tenant: undefined, userName: "bob" }, undefined)).toBe("bob -");
  });
});
