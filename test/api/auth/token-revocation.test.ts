import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hashPassword } from "../../../src/auth/passwords";
import { deleteTenantRows } from "../../../src/db/tenants";
import worker from "../../../src/index";
import { BASE, call, countEverywhere, seedUser, shardDb, shardOf } from "../../helpers";
import { cookieLogin, jwtParts, tokenLogin } from "../../token-helpers";

/**
 * Revocation (issue 18, item 2): logout, a password change, disabling or deleting the user and
 * deleting the tenant make a token fail everywhere within AUTH_RECHECK_SECONDS. "Another isolate"
 * is played by changing D1 directly, behind this isolate's memory: the token is still served while
 * its last re-check is younger than AUTH_RECHECK_SECONDS, and refused at the next re-check.
 */

async function asIsolate(recheckSeconds: string, token: string, path = "/inventory/binaries"): Promise<Response> {
  const ctx = createExecutionContext();
  const request = new Request(`${BASE}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  const res = await worker.fetch(request, { ...env, AUTH_RECHECK_SECONDS: recheckSeconds }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const changes: Record<string, (tenant: string, userName: string, token: string) => Promise<unknown>> = {
  logout: async (tenant, _u, token) =>
    (await shardOf(tenant)).d1.prepare("DELETE FROM sessions WHERE id = ?").bind(jwtParts(token).claims.jti).run(),
  "password change": async (tenant, userName) =>
    (await shardOf(tenant)).d1
      .prepare("UPDATE users SET password_hash = ? WHERE tenant = ? AND user_name = ?")
      .bind(await hashPassword("a-new-password"), tenant, userName)
      .run(),
  disable: async (tenant, userName) =>
    (await shardOf(tenant)).d1
      .prepare("UPDATE users SET enabled = 0 WHERE tenant = ? AND user_name = ?")
      .bind(tenant, userName)
      .run(),
  "delete user": async (tenant, userName) =>
    (await shardOf(tenant)).d1
      .prepare("DELETE FROM users WHERE tenant = ? AND user_name = ?")
      .bind(tenant, userName)
      .run(),
  "delete tenant": async (tenant) => deleteTenantRows(await shardDb(tenant), tenant),
};

describe("a token fails within AUTH_RECHECK_SECONDS after, in another isolate, its", () => {
  for (const [name, change] of Object.entries(changes)) {
    it(name, async () => {
      const tenant = `rev-${name.replace(/ /g, "-")}`;
      await seedUser(tenant, "dev");
      const token = await tokenLogin(tenant, "dev");
      expect((await asIsolate("3600", token)).status).toBe(200);
      await change(tenant, "dev", token);
      // Younger than the interval: this isolate still trusts its last re-check.
      expect((await asIsolate("3600", token)).status).toBe(200);
      // The interval has passed: the re-check reads the row and refuses.
      const res = await asIsolate("0", token);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: "security/Unauthorized" });
      // And stays refused.
      expect((await asIsolate("3600", token)).status).toBe(401);
    });
  }
});

describe("through the API, the isolate that made the change refuses at once", () => {
  it("a new password (admin) and a deleted user end their sessions here immediately", async () => {
    const admin = await seedUser("rev-api", "admin");
    await seedUser("rev-api", "dev");
    const token = await tokenLogin("rev-api", "dev");
    const auth = { Authorization: `Bearer ${token}` };
    expect((await call("/inventory/binaries", { headers: auth })).status).toBe(200);
    const changed = await call("/user/rev-api/users/dev", {
      method: "PUT",
      body: JSON.stringify({ password: "another-password-1" }),
      headers: { Authorization: admin, "Content-Type": "application/json" },
    });
    expect(changed.status).toBe(200);
    expect((await call("/inventory/binaries", { headers: auth })).status).toBe(401);
    // A new login with the new password works; deleting the user ends that one too.
    const again = await tokenLogin("rev-api", "dev", "another-password-1");
    expect((await call("/inventory/binaries", { headers: { Authorization: `Bearer ${again}` } })).status).toBe(200);
    expect(
      (await call("/user/rev-api/users/dev", { method: "DELETE", headers: { Authorization: admin } })).status,
    ).toBe(204);
    expect((await call("/inventory/binaries", { headers: { Authorization: `Bearer ${again}` } })).status).toBe(401);
  });

  it("a user deleted and created again with the same name does not revive the old session", async () => {
    await seedUser("rev-again", "dev");
    const token = await tokenLogin("rev-again", "dev");
    await (await shardOf("rev-again")).d1
      .prepare("DELETE FROM users WHERE tenant = 'rev-again' AND user_name = 'dev'")
      .run();
    await seedUser("rev-again", "dev");
    expect((await asIsolate("0", token)).status).toBe(401);
  });

  it("a deleted tenant's cookie session is refused, and its session rows are gone", async () => {
    const platform = await seedUser("management", "rev-platform");
    await seedUser("rev-tenant", "dev");
    const { token, xsrf } = await cookieLogin("rev-tenant", "dev");
    const headers = { Cookie: `authorization=${token}`, "X-XSRF-TOKEN": xsrf };
    expect((await call("/inventory/binaries", { headers })).status).toBe(200);
    const deleted = await call("/tenant/tenants/rev-tenant", {
      method: "DELETE",
      headers: { Authorization: platform },
    });
    expect(deleted.status).toBe(204);
    expect((await call("/inventory/binaries", { headers })).status).toBe(401);
    expect(await countEverywhere("SELECT COUNT(*) AS n FROM sessions WHERE tenant = 'rev-tenant'")).toBe(0);
  });
});
