import { describe, expect, it } from "vitest";
import { hashPassword, timingSafeEqual, verifyPassword } from "../../src/auth/passwords";

const _query = (params: Record<string, string>) => (name: string) => params[name];

describe("passwords", () => {
  it("hash and verify, with a fresh salt each time", async () => {
    const a = await hashPassword("pw-123456");
    const b = await hashPassword("pw-123456");
    expect(a).not.toBe(b);
    expect(await verifyPassword("pw-123456", a)).toBe(true);
    expect(await verifyPassword("pw-123457", a)).toBe(false);
    expect(await verifyPassword("x", "garbage")).toBe(false);
  });
  it("timingSafeEqual compares whole arrays", () => {
    expect(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(timingSafeEqual(new Uint8Array([1]), new Uint8Array([1, 2]))).toBe(false);
  });
});
