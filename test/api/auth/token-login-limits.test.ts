import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { seedUser, callWithBindings as send, shardOf } from "../../helpers";
import { FORM_TYPE, loginForm } from "../../token-helpers";

/**
 * Token logins count against the login's and the tenant's rate limits (docs/api.md#rate-limits). Found on
 * 2026-12-06 (/work/notes/prov-redteam.md): POST /tenant/oauth/token sits before the rate-limit middleware, so
 * a holder of a valid password could log in without limit, each time a PBKDF2 hash and a new session row in
 * the tenant's shard (a shard other tenants share), while every other authenticated request was counted.
 * TIGHT_RATE_LIMITER (3 per key and minute) stands in for the limiter under test.
 */

async function sessions(tenant: string): Promise<number> {
  const { d1 } = await shardOf(tenant);
  return (await d1.prepare("SELECT COUNT(*) AS n FROM sessions WHERE tenant = ?").bind(tenant).first<number>("n")) ?? 0;
}

const login = (tenant: string, user: string, password: string, bindings: Partial<Env>, path = "/tenant/oauth/token") =>
  send(
    `${path}?tenant_id=${tenant}`,
    { method: "POST", body: loginForm(user, password), headers: { "Content-Type": FORM_TYPE } },
    bindings,
  );

describe("token logins and the rate limits", () => {
  beforeAll(async () => {
    await seedUser("rl-token", "alice");
    await seedUser("rl-token", "bob");
    await seedUser("rl-token-2", "carol");
  });

  it("over the login's limit a token login is 429 and opens no session", async () => {
    const tight = { LOGIN_RATE_LIMITER: env.TIGHT_RATE_LIMITER };
    for (let i = 0; i < 3; i++) expect((await login("rl-token", "alice", "secret-password", tight)).status).toBe(200);
    const before = await sessions("rl-token");
    const refused = await login("rl-token", "alice", "secret-password", tight, "/tenant/oauth");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toBe("60");
    expect(((await refused.json()) as { message: string }).message).toMatch(/This login/);
    expect(refused.headers.getSetCookie()).toEqual([]);
    expect(await sessions("rl-token")).toBe(before);
    // Another login of the tenant has its own share.
    expect((await login("rl-token", "bob", "secret-password", tight)).status).toBe(200);
  });

  it("token logins count against the tenant's limit too", async () => {
    const tight = { TENANT_RATE_LIMITER: env.TIGHT_RATE_LIMITER };
    for (let i = 0; i < 3; i++) expect((await login("rl-token-2", "carol", "secret-password", tight)).status).toBe(200);
    expect((await login("rl-token-2", "carol", "secret-password", tight)).status).toBe(429);
  });

  it("a wrong password is not counted against the login's share (the throttle handles it)", async () => {
    const tight = { LOGIN_RATE_LIMITER: env.TIGHT_RATE_LIMITER };
    await seedUser("rl-token-3", "dave");
    for (let i = 0; i < 3; i++) expect((await login("rl-token-3", "dave", "wrong-password", tight)).status).toBe(401);
    expect((await login("rl-token-3", "dave", "secret-password", tight)).status).toBe(200);
  });
});
