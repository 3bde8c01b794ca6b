import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parseLinkKeys, readConfig } from "../src/config";

describe("edge cache limits", () => {
  it("default to the Cache API's 512 MB per object, and a larger setting is capped to it", () => {
    expect(readConfig({ ...env, EDGE_CACHE_MAX_BYTES: "" }).edgeCacheMaxBytes).toBe(512_000_000);
    expect(readConfig({ ...env, EDGE_CACHE_MAX_BYTES: "5000000000" }).edgeCacheMaxBytes).toBe(512_000_000);
    expect(readConfig({ ...env, EDGE_CACHE_MAX_BYTES: "0" }).edgeCacheMaxBytes).toBe(0);
    expect(readConfig({ ...env, EDGE_CACHE_TTL_SECONDS: "" }).edgeCacheTtlSeconds).toBe(300);
    expect(() => readConfig({ ...env, EDGE_CACHE_TTL_SECONDS: "0" })).toThrow(/EDGE_CACHE_TTL_SECONDS/);
  });
});

describe("LINK_SIGNING_KEYS", () => {
  it("is a list of id:secret pairs; the first signs", () => {
    expect(parseLinkKeys(undefined)).toEqual([]);
    expect(parseLinkKeys(" ")).toEqual([]);
    expect(parseLinkKeys("new:0123456789abcdef0123, old:fedcba9876543210fedc")).toEqual([
      { id: "new", secret: "0123456789abcdef0123" },
      { id: "old", secret: "fedcba9876543210fedc" },
    ]);
  });

  it.each(["nosecret", ":0123456789abcdef0123", "k1:short", "bad id:0123456789abcdef0123", "k1:0123456789abcdef,"])(
    "refuses %j",
    (value) => {
      expect(() => parseLinkKeys(value)).toThrow(/LINK_SIGNING_KEYS/);
    },
  );
});
