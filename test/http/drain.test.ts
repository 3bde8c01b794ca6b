import { describe, expect, it } from "vitest";
import { drainBody } from "../../src/http/drain";

/** A body that counts what was pulled from it, optionally endless or stalling after `stallAfter` chunks. */
function countingBody(chunks: number, chunkSize: number, stallAfter = Number.POSITIVE_INFINITY) {
  const state = { pulled: 0, cancelled: false };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (state.pulled >= stallAfter) return new Promise(() => undefined); // never delivers again
      if (state.pulled >= chunks) return controller.close();
      state.pulled += 1;
      controller.enqueue(new Uint8Array(chunkSize));
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { body, state };
}

describe("drainBody (docs/api.md#request-handling-common-to-all-endpoints)", () => {
  it("reads a body to its end", async () => {
    const { body, state } = countingBody(50, 1000);
    await drainBody(body);
    expect(state.pulled).toBe(50);
  });

  it("stops after maxBytes and cancels the rest", async () => {
    const { body, state } = countingBody(Number.POSITIVE_INFINITY, 1000);
    await drainBody(body, 10_000, 10_000);
    expect(state.pulled).toBeGreaterThanOrEqual(11);
    expect(state.pulled).toBeLessThanOrEqual(12);
    expect(state.cancelled).toBe(true);
  });

  it("stops after maxMs when the client stalls", async () => {
    const { body, state } = countingBody(Number.POSITIVE_INFINITY, 1000, 3);
    const started = Date.now();
    await drainBody(body, 1_000_000, 50);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(state.pulled).toBe(3);
    expect(state.cancelled).toBe(true);
  });

  it("leaves a locked or absent body alone", async () => {
    const { body } = countingBody(1, 10);
    const reader = body.getReader();
    await drainBody(body);
    expect((await reader.read()).done).toBe(false);
    await drainBody(null);
  });
});
