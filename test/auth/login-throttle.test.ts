import { describe, expect, it } from "vitest";

const _query = (params: Record<string, string>) => (name: string) => params[name];

describe("login throttle policy", async () => {
  const { afterFailure, retryAfterSeconds, FREE_ATTEMPTS, MAX_BLOCK_MS, WINDOW_MS } = await import(
    "../../src/auth/login-throttle"
  );
  it("lets the first failures through, then doubles the block up to a cap", () => {
    let state = undefined as ReturnType<typeof afterFailure> | undefined;
    const blocks: number[] = [];
    for (let i = 0; i < FREE_ATTEMPTS + 12; i++) {
      state = afterFailure(state, 1_000);
      blocks.push(retryAfterSeconds(state, 1_000));
    }
    expect(blocks.slice(0, FREE_ATTEMPTS - 1)).toEqual([0, 0, 0, 0]);
    expect(blocks.slice(FREE_ATTEMPTS - 1, FREE_ATTEMPTS + 3)).toEqual([1, 2, 4, 8]);
    expect(Math.max(...blocks)).toBe(MAX_BLOCK_MS / 1000);
  });
  it("a block always ends, and failures restart after a quiet window", () => {
    const state = afterFailure({ failures: 40, firstFailureMs: 0, blockedUntilMs: 0 }, 1);
    expect(retryAfterSeconds(state, 1 + MAX_BLOCK_MS)).toBe(0);
    expect(afterFailure(state, WINDOW_MS + 10).failures).toBe(1);
  });
});
