import { describe, expect, it } from "vitest";
import { CredentialCache } from "../../src/auth/credential-cache";

const _query = (params: Record<string, string>) => (name: string) => params[name];

describe("CredentialCache", () => {
  it("expires entries, evicts the oldest when full, and forgets on demand", () => {
    const cache = new CredentialCache<string>(1000, 2);
    cache.set("a", "A", 0);
    cache.set("b", "B", 0);
    cache.set("c", "C", 0);
    expect(cache.get("a", 10)).toBeUndefined();
    expect(cache.get("b", 10)).toBe("B");
    expect(cache.get("b", 1000)).toBeUndefined();
    cache.deleteWhere((v) => v === "C");
    expect(cache.get("c", 10)).toBeUndefined();
  });
});
