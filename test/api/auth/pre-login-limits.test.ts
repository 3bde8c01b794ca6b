import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { basic, countEverywhere, seedUser, callWithBindings as send } from "../../helpers";
import { FORM_TYPE, loginForm } from "../../token-helpers";

/**
 * Before a login is verified (issue 20, docs/api.md#rate-limits and #authentication-and-login-throttle):
 * a login naming a tenant nobody has writes nothing (no login-throttle row in any shard), and the
 * passwords checked per client address are limited by ADDRESS_RATE_LIMITER, answered 429 before any
 * D1 work or PBKDF2. TIGHT_RATE_LIMITER (3 per key and minute) stands in for the limiter under test;
 * each test uses its own client address.
 */

const failures = () => countEverywhere("SELECT COUNT(*) AS n FROM login_failures");
const deriveBits = vi.spyOn(crypto.subtle, "deriveBits");
afterAll(() => deriveBits.mockRestore());
const pbkdf2Runs = () =>
  deriveBits.mock.calls.filter(([algorithm]) => (algorithm as { name?: string }).name === "PBKDF2").length;

const get = (authorization: string, address: string, bindings: Partial<Env> = {}) =>
  send("/inventory/binaries", { headers: { Authorization: authorization, "CF-Connecting-IP": address } }, bindings);

const tokenLogin = (tenant: string, user: string, password: string, address: string, bindings: Partial<Env>) =>
  send(
    `/tenant/oauth/token?tenant_id=${tenant}`,
    {
      method: "POST",
      body: loginForm(user, password),
      headers: { "Content-Type": FORM_TYPE, "CF-Connecting-IP": address },
    },
    bindings,
  );

beforeAll(async () => {
  await seedUser("pl-known", "alice");
});

describe("logins naming unknown tenants", () => {
  it("are 401 after the same PBKDF2 and write no row anywhere, Basic or token login", async () => {
    const before = await failures();
    for (let i = 0; i < 12; i++) {
      const res = await get(basic(`no-such-tenant-${i}/admin`, "guess"), "192.0.2.10");
      expect(res.status).toBe(401);
      const token = await tokenLogin(`no-such-tenant-t${i}`, "admin", "guess", "192.0.2.10", {});
      expect(token.status).toBe(401);
    }
    expect(await failures()).toBe(before);
    // A known tenant's failures are still counted (the login throttle protects its users).
    expect((await get(basic("pl-known/alice", "wrong"), "192.0.2.10")).status).toBe(401);
    expect(await failures()).toBe(before + 1);
  });

  it("cost the same PBKDF2 as a known tenant's wrong password (timing tells nothing)", async () => {
    deriveBits.mockClear();
    expect((await get(basic("no-such-tenant-x/admin", "guess"), "192.0.2.11")).status).toBe(401);
    expect(pbkdf2Runs()).toBe(1);
  });
});

describe("unverified logins per client address", () => {
  const tight = { ADDRESS_RATE_LIMITER: env.TIGHT_RATE_LIMITER };

  it("over the limit: 429 with Retry-After, before any D1 write or PBKDF2; other addresses go on", async () => {
    for (let i = 0; i < 3; i++) {
      expect((await get(basic(`pl-known/guess-${i}`, "guess"), "198.51.100.1", tight)).status).toBe(401);
    }
    const rows = await failures();
    deriveBits.mockClear();
    const refused = await get(basic("pl-known/alice", "wrong"), "198.51.100.1", tight);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toBe("60");
    const error = (await refused.json()) as { error: string; message: string };
    expect(error.error).toBe("general/Too Many Requests");
    expect(error.message).toMatch(/Your address/);
    expect(pbkdf2Runs()).toBe(0);
    expect(await failures()).toBe(rows);
    // Unknown tenants count too: the limit is what bounds their PBKDF2.
    expect((await get(basic("no-such-tenant-y/admin", "guess"), "198.51.100.1", tight)).status).toBe(429);
    expect((await tokenLogin("pl-known", "alice", "secret-password", "198.51.100.1", tight)).status).toBe(429);
    // Another address is not affected.
    expect((await get(basic("pl-known/alice", "secret-password"), "198.51.100.2", tight)).status).toBe(200);
  });

  it("a login in the credential cache is no attempt: it goes on from a limited address", async () => {
    const alice = basic("pl-known/alice", "secret-password");
    expect((await get(alice, "198.51.100.3", tight)).status).toBe(200);
    for (let i = 0; i < 3; i++) await get(basic(`pl-known/x-${i}`, "guess"), "198.51.100.3", tight);
    expect((await get(basic("pl-known/y", "guess"), "198.51.100.3", tight)).status).toBe(429);
    expect((await get(alice, "198.51.100.3", tight)).status).toBe(200);
  });

  it("RATE_LIMITS_ENABLED=false or no binding: not limited", async () => {
    const off = { ...tight, RATE_LIMITS_ENABLED: "false" };
    const none = { ADDRESS_RATE_LIMITER: undefined } as unknown as Partial<Env>;
    for (let i = 0; i < 5; i++) {
      expect((await get(basic(`pl-known/off-${i}`, "guess"), "198.51.100.4", off)).status).toBe(401);
      expect((await get(basic(`pl-known/none-${i}`, "guess"), "198.51.100.5", none)).status).toBe(401);
    }
  });
});
