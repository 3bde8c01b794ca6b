import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { authenticate, cachedPrincipal } from "../../../src/auth/authenticate";
import { Roles } from "../../../src/c8y/roles";
import { createDb } from "../../../src/db/client";
import worker from "../../../src/index";
import { type BindingCall, proxyD1 } from "../../bindings-proxy";
import { BASE, basic, call, callJson, db, seedUser } from "../../helpers";

let admin: string;

beforeAll(async () => {
  admin = await seedUser("t1", "en-admin");
});

const send = callJson;

/** Another isolate's change: straight into D1, so this isolate's credential cache knows nothing of it. */
const setEnabledBehindTheCache = (userName: string, enabled: boolean) =>
  env.DB.prepare("UPDATE users SET enabled = ? WHERE tenant = 't1' AND user_name = ?")
    .bind(enabled ? 1 : 0, userName)
    .run();

/** The worker with another AUTH_RECHECK_SECONDS. */
async function callWithRecheck(seconds: string, path: string, auth: string): Promise<Response> {
  const ctx = createExecutionContext();
  const request = new Request(`${BASE}${path}`, { headers: { Authorization: auth } });
  const res = await worker.fetch(request, { ...env, AUTH_RECHECK_SECONDS: seconds }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe("enabled", () => {
  it("is honoured on create: a user created disabled cannot log in, with the right password", async () => {
    const created = await send("POST", "/user/t1/users", admin, {
      userName: "off",
      password: "off-password",
      enabled: false,
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ userName: "off", enabled: false });
    const res = await call("/user/currentUser", { headers: { Authorization: basic("t1/off", "off-password") } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "security/Unauthorized", message: "User account is disabled" });
    // A wrong password still reads as bad credentials: disabled is only told to who knows the password.
    const wrong = await call("/user/currentUser", { headers: { Authorization: basic("t1/off", "not-the-password") } });
    expect(await wrong.json()).toMatchObject({ message: "Invalid credentials! : Bad credentials" });
  });

  it("on update: a disabled user gets 401 on every path at once here; enabled again, it works", async () => {
    const bob = await seedUser("t1", "bob", [Roles.inventoryAdmin], "bob-password");
    expect((await call("/inventory/binaries", { headers: { Authorization: bob } })).status).toBe(200);
    const off = await send("PUT", "/user/t1/users/bob", admin, { enabled: false });
    expect(off.status).toBe(200);
    expect(await off.json()).toMatchObject({ enabled: false });
    for (const path of ["/inventory/binaries", "/user/currentUser", "/platform", "/tenant/currentTenant", "/nope"]) {
      expect((await call(path, { headers: { Authorization: bob } })).status, path).toBe(401);
    }
    expect((await send("PUT", "/user/t1/users/bob", admin, { enabled: true })).status).toBe(200);
    expect((await call("/inventory/binaries", { headers: { Authorization: bob } })).status).toBe(200);
  });

  it("is refused when not a boolean (422, nothing changes); a user admin cannot disable itself (403)", async () => {
    await seedUser("t1", "carl");
    for (const enabled of ["false", 0, null, "no"]) {
      expect((await send("PUT", "/user/t1/users/carl", admin, { enabled })).status, String(enabled)).toBe(422);
    }
    expect(
      (await send("POST", "/user/t1/users", admin, { userName: "x1", password: "x1-password", enabled: "yes" })).status,
    ).toBe(422);
    expect((await send("GET", "/user/t1/users/carl", admin).then((r) => r.json<any>())).enabled).toBe(true);
    expect((await send("PUT", "/user/t1/users/en-admin", admin, { enabled: false })).status).toBe(403);
    expect((await call("/user/currentUser", { headers: { Authorization: admin } })).status).toBe(200);
  });

  it("reaches isolates that cached the login: re-checked against its row after AUTH_RECHECK_SECONDS", async () => {
    const dora = await seedUser("t1", "dora", [Roles.inventoryRead], "dora-password");
    expect((await callWithRecheck("0", "/user/currentUser", dora)).status).toBe(200);
    expect(await cachedPrincipal(dora)).toBeDefined();
    await setEnabledBehindTheCache("dora", false);
    expect((await callWithRecheck("0", "/user/currentUser", dora)).status).toBe(401);
    expect(await cachedPrincipal(dora)).toBeUndefined();
    await setEnabledBehindTheCache("dora", true);
    expect((await callWithRecheck("0", "/user/currentUser", dora)).status).toBe(200);
  });
});

describe("the credential cache's bound (authenticate, with a clock)", () => {
  const input = (authorization: string) => ({ authorization, useXBasic: false });
  const options = (now: number) => ({ recheckMs: 5_000, now });

  it("serves a cached login inside the interval, then re-checks: disabled, deleted, new password, roles", async () => {
    const t0 = Date.now();
    for (const change of ["disable", "delete", "password", "roles"] as const) {
      const name = `cache-${change}`;
      const auth = await seedUser("t1", name, [Roles.inventoryRead], "cache-password");
      const first = await authenticate(db(), env.DB, {}, input(auth), options(t0));
      expect([...first.roles]).toEqual([Roles.inventoryRead]);
      if (change === "disable") await setEnabledBehindTheCache(name, false);
      if (change === "delete") await env.DB.prepare("DELETE FROM users WHERE user_name = ?").bind(name).run();
      if (change === "password") {
        await env.DB.prepare("UPDATE users SET password_hash = 'pbkdf2-sha256$1$AAAA$AAAA' WHERE user_name = ?")
          .bind(name)
          .run();
      }
      if (change === "roles") {
        await env.DB.prepare(`UPDATE users SET roles = '["${Roles.inventoryAdmin}"]' WHERE user_name = ?`)
          .bind(name)
          .run();
      }
      // Within the interval the cached login stands (the documented bound) ...
      const cached = await authenticate(db(), env.DB, {}, input(auth), options(t0 + 4_999));
      expect([...cached.roles], change).toEqual([Roles.inventoryRead]);
      // ... and from its end on the row decides.
      const later = authenticate(db(), env.DB, {}, input(auth), options(t0 + 5_000));
      if (change === "roles") expect([...(await later).roles]).toEqual([Roles.inventoryAdmin]);
      else await expect(later, change).rejects.toMatchObject({ status: 401 });
    }
  });
});

describe("what the re-check costs", () => {
  it("nothing inside the interval; one D1 statement (the user row, no PBKDF2) when it is due", async () => {
    const auth = await seedUser("t1", "cache-cost", [Roles.inventoryRead], "cache-password");
    const calls: BindingCall[] = [];
    const counted = createDb(proxyD1(env.DB, (c) => void calls.push(c)));
    const t0 = Date.now() + 60_000; // a fresh cache entry for this test's clock
    const deriveBits = vi.spyOn(crypto.subtle, "deriveBits");
    await authenticate(counted, env.DB, {}, { authorization: auth, useXBasic: false }, { recheckMs: 5_000, now: t0 });
    calls.length = 0;
    deriveBits.mockClear();
    await authenticate(
      counted,
      env.DB,
      {},
      { authorization: auth, useXBasic: false },
      { recheckMs: 5_000, now: t0 + 1 },
    );
    expect(calls).toHaveLength(0);
    await authenticate(
      counted,
      env.DB,
      {},
      { authorization: auth, useXBasic: false },
      { recheckMs: 5_000, now: t0 + 5_000 },
    );
    expect(calls.map((c) => (c.kind === "d1" ? c.statements.length : -1))).toEqual([1]);
    expect(deriveBits).not.toHaveBeenCalled();
    deriveBits.mockRestore();
  });
});
