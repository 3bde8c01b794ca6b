import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type BindingCall, proxyD1 } from "../../bindings-proxy";
import { basic, seedUser, callWithBindings as send } from "../../helpers";

/**
 * A login without its tenant (`user:password`) is looked up in every shard (issue 19,
 * docs/api.md#shards-and-regions): one D1 read per shard. An address over its limit of unverified
 * logins (ADDRESS_RATE_LIMITER, docs/api.md#rate-limits) is refused before any D1 work, so a stream
 * of made-up bare logins costs the shards nothing once refused, however many shards there are.
 * TIGHT_RATE_LIMITER (3 per key and minute) stands in for the limiter.
 */

/** The shard bindings wrapped to record their D1 statements, and the tight address limiter. */
function counted(calls: BindingCall[]): Partial<Env> {
  const record = (call: BindingCall) => {
    calls.push(call);
  };
  return {
    DB: proxyD1(env.DB, record),
    DB_EU1: proxyD1(env.DB_EU1, record),
    DB_US2: proxyD1(env.DB_US2, record),
    ADDRESS_RATE_LIMITER: env.TIGHT_RATE_LIMITER,
  };
}

const get = (authorization: string, address: string, bindings: Partial<Env>) =>
  send("/inventory/binaries", { headers: { Authorization: authorization, "CF-Connecting-IP": address } }, bindings);

describe("logins without a tenant and the address limit", () => {
  it("over the limit, a bare login is 429 before any shard is asked for the user name", async () => {
    await seedUser("bare-known", "bare-alice");
    const calls: BindingCall[] = [];
    const bindings = counted(calls);
    for (let i = 0; i < 3; i++) {
      expect((await get(basic(`nobody-${i}`, "guess"), "203.0.113.7", bindings)).status).toBe(401);
    }
    calls.length = 0;
    const refused = await get(basic("nobody-else", "guess"), "203.0.113.7", bindings);
    expect(refused.status).toBe(429);
    expect(calls.filter((call) => call.kind === "d1")).toEqual([]);
    // The one user of that name still logs in bare from another address, and then from the limited one
    // (a login in the credential cache is no attempt).
    const alice = basic("bare-alice", "secret-password");
    expect((await get(alice, "203.0.113.8", bindings)).status).toBe(200);
    expect((await get(alice, "203.0.113.7", bindings)).status).toBe(200);
  });

  it("under the limit, one attempt counts once (the routing's check is the login's)", async () => {
    const calls: BindingCall[] = [];
    const bindings = counted(calls);
    // Three bare attempts fill the limit of 3: the fourth is refused, not the third.
    for (let i = 0; i < 3; i++) {
      expect((await get(basic(`someone-${i}`, "guess"), "203.0.113.9", bindings)).status).toBe(401);
    }
    expect((await get(basic("someone-3", "guess"), "203.0.113.9", bindings)).status).toBe(429);
  });
});
