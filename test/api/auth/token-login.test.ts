import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { Roles } from "../../../src/c8y/roles";
import { BASE, basic, call, seedUser, upload } from "../../helpers";
import { cookieLogin, FORM_TYPE, jwtParts, loginForm, tokenLogin } from "../../token-helpers";

/** Token login (docs/api.md#token-login): the endpoints, their shapes and the three ways a request authenticates. */

beforeAll(async () => {
  await seedUser("tok", "alice");
  await seedUser("tok", "reader", [Roles.inventoryRead]);
  await seedUser("tok2", "alice", [Roles.inventoryAdmin]);
  await seedUser("tok", "unique-bob");
});

const postForm = (path: string, body: string, headers: Record<string, string> = {}) =>
  call(path, { method: "POST", body, headers: { "Content-Type": FORM_TYPE, ...headers } });

describe("POST /tenant/oauth/token", () => {
  it("answers a JWT for the form @c8y/client sends (Basic header, tfa_code=undefined, tenant_id)", async () => {
    const res = await postForm("/tenant/oauth/token?tenant_id=tok", loginForm("alice", "secret-password"), {
      Authorization: basic("tok/alice", "secret-password"),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const { access_token: token } = (await res.json()) as { access_token: string };
    const { header, claims } = jwtParts(token);
    expect(header).toEqual({ alg: "HS256", typ: "JWT", kid: "t2" });
    expect(claims).toMatchObject({ sub: "alice", ten: "tok", tfa: false, iss: "example.test" });
    expect(typeof claims.xsrfToken).toBe("string");
    expect(typeof claims.jti).toBe("string");
    const lifetime = (claims.exp as number) - (claims.iat as number);
    expect(lifetime).toBe(Number(env.TOKEN_LIFETIME_SECONDS));

    const tenant = await call("/tenant/currentTenant", { headers: { Authorization: `Bearer ${token}` } });
    expect(tenant.status).toBe(200);
    expect(await tenant.json()).toMatchObject({ name: "tok" });
  });

  it("takes the tenant from tenant/user, or a unique user name alone; an empty tfa_code is accepted", async () => {
    const prefixed = await postForm("/tenant/oauth/token", loginForm("tok/alice", "secret-password"));
    expect(prefixed.status).toBe(200);
    const plain = await postForm("/tenant/oauth/token", loginForm("unique-bob", "secret-password", { tfa_code: "" }));
    expect(plain.status).toBe(200);
    const { access_token } = (await plain.json()) as { access_token: string };
    expect(jwtParts(access_token).claims).toMatchObject({ sub: "unique-bob", ten: "tok" });
    // "alice" exists in two tenants: without a tenant the login is ambiguous, as for Basic.
    const ambiguous = await postForm("/tenant/oauth/token", loginForm("alice", "secret-password"));
    expect(ambiguous.status).toBe(401);
  });

  it("refuses a wrong password, another tenant's prefix, and anything but a plain password form, clearly", async () => {
    const wrong = await postForm("/tenant/oauth/token?tenant_id=tok", loginForm("alice", "not-it"));
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: "security/Unauthorized" });
    const mixed = await postForm("/tenant/oauth/token?tenant_id=tok2", loginForm("tok/alice", "secret-password"));
    expect(mixed.status).toBe(401);

    const tfa = await postForm(
      "/tenant/oauth/token?tenant_id=tok",
      loginForm("alice", "secret-password", { tfa_code: "123456" }),
    );
    expect(tfa.status).toBe(400);
    expect(await tfa.json()).toMatchObject({
      error: "security/Invalid Request",
      message: expect.stringMatching(/Two-factor/),
    });
    const grant = await postForm(
      "/tenant/oauth/token",
      loginForm("alice", "secret-password", { grant_type: "CLIENT_CREDENTIALS" }),
    );
    expect(grant.status).toBe(400);
    expect(await grant.json()).toMatchObject({ message: expect.stringMatching(/grant_type/) });
    const noUser = await postForm("/tenant/oauth/token", "grant_type=PASSWORD&password=x");
    expect(noUser.status).toBe(400);
    const twice = await postForm("/tenant/oauth/token", `${loginForm("alice", "secret-password")}&username=bob`);
    expect(twice.status).toBe(400);
    const json = await call("/tenant/oauth/token", {
      method: "POST",
      body: JSON.stringify({ grant_type: "PASSWORD", username: "alice", password: "secret-password" }),
      headers: { "Content-Type": "application/json" },
    });
    expect(json.status).toBe(415);
    expect((await call("/tenant/oauth/token")).status).toBe(405);
    expect((await call("/tenant/oauth", { method: "PUT" })).status).toBe(405);
  });

  it("is covered by the login throttle, under the same key as a Basic login", async () => {
    await seedUser("tok", "guessed");
    for (let i = 0; i < 4; i++) {
      const res = await postForm("/tenant/oauth/token?tenant_id=tok", loginForm("guessed", `guess-${i}`), {
        "CF-Connecting-IP": "203.0.113.9",
      });
      expect(res.status).toBe(401);
    }
    // The fifth failure blocks the key; the next attempt, even with the right password, is a 429.
    const fifth = await postForm("/tenant/oauth/token?tenant_id=tok", loginForm("guessed", "guess-5"), {
      "CF-Connecting-IP": "203.0.113.9",
    });
    expect(fifth.status).toBe(401);
    const blocked = await postForm("/tenant/oauth/token?tenant_id=tok", loginForm("guessed", "secret-password"), {
      "CF-Connecting-IP": "203.0.113.9",
    });
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get("Retry-After")).toMatch(/^[1-9][0-9]*$/);
    // tenant_id=tok with username=guessed is counted as the login "tok/guessed", like Basic: blocked there too.
    const basicBlocked = await call("/tenant/currentTenant", {
      headers: { Authorization: basic("tok/guessed", "secret-password"), "CF-Connecting-IP": "203.0.113.9" },
    });
    expect(basicBlocked.status).toBe(429);
  });
});

describe("POST /tenant/oauth (cookies)", () => {
  it("sets an HttpOnly authorization cookie and a readable XSRF-TOKEN: Secure, SameSite=Strict, Path=/", async () => {
    const { token, xsrf, setCookies } = await cookieLogin("tok", "alice");
    const auth = setCookies.find((line) => line.startsWith("authorization="))!;
    const xsrfLine = setCookies.find((line) => line.startsWith("XSRF-TOKEN="))!;
    expect(auth).toMatch(/; HttpOnly/);
    expect(auth).toMatch(/; Secure/);
    expect(auth).toMatch(/; SameSite=Strict/);
    expect(auth).toMatch(/; Path=\//);
    expect(auth).toMatch(/; Max-Age=\d+/);
    expect(xsrfLine).not.toMatch(/HttpOnly/);
    expect(xsrfLine).toMatch(/; Secure/);
    expect(xsrfLine).toMatch(/; SameSite=Strict/);
    expect(jwtParts(token).claims.xsrfToken).toBe(xsrf);
  });

  it("leaves out Secure only on plain-http localhost", async () => {
    for (const host of ["http://localhost:8787", "http://127.0.0.1:8787"]) {
      const { exports } = await import("cloudflare:workers");
      const res = await exports.default.fetch(
        new Request(`${host}/tenant/oauth?tenant_id=tok`, {
          method: "POST",
          body: loginForm("alice", "secret-password"),
          headers: { "Content-Type": FORM_TYPE },
        }),
      );
      expect(res.status).toBe(200);
      for (const line of res.headers.getSetCookie()) {
        expect(line).not.toMatch(/Secure/);
        expect(line).toMatch(/SameSite=Strict/);
      }
    }
  });

  it("a cookie request works with the X-XSRF-TOKEN header: list, upload, download, delete", async () => {
    const { token, xsrf } = await cookieLogin("tok", "alice");
    const headers = { Cookie: `authorization=${token}; XSRF-TOKEN=${xsrf}`, "X-XSRF-TOKEN": xsrf };
    const list = await call("/inventory/binaries", { headers });
    expect(list.status).toBe(200);
    const form = new FormData();
    form.append("object", JSON.stringify({ name: "cookie.bin", type: "c8y_Firmware" }));
    form.append("file", new Blob(["bytes by cookie"]), "cookie.bin");
    const created = await call("/inventory/binaries", {
      method: "POST",
      body: form,
      headers: { ...headers, Accept: "application/json" },
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const got = await call(`/inventory/binaries/${id}`, { headers });
    expect(await got.text()).toBe("bytes by cookie");
    expect((await call(`/inventory/binaries/${id}`, { method: "DELETE", headers })).status).toBe(204);
  });
});

describe("POST /user/logout", () => {
  it("ends a bearer session: the token is refused from then on", async () => {
    const token = await tokenLogin("tok", "alice");
    const auth = { Authorization: `Bearer ${token}` };
    expect((await call("/inventory/binaries", { headers: auth })).status).toBe(200);
    const out = await call("/user/logout", {
      method: "POST",
      body: "{}",
      headers: { ...auth, "Content-Type": "application/json", Accept: "application/json" },
    });
    expect(out.status).toBe(200);
    const after = await call("/inventory/binaries", { headers: auth });
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ error: "security/Unauthorized" });
    const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM sessions WHERE id = ?")
      .bind(jwtParts(token).claims.jti)
      .first<{ n: number }>();
    expect(row?.n).toBe(0);
  });

  it("ends a cookie session and drops both cookies; a Basic logout is answered alike", async () => {
    const { token, xsrf } = await cookieLogin("tok", "alice");
    const headers = { Cookie: `authorization=${token}; XSRF-TOKEN=${xsrf}`, "X-XSRF-TOKEN": xsrf };
    const out = await call("/user/logout", { method: "POST", headers });
    expect(out.status).toBe(200);
    const cleared = out.headers.getSetCookie();
    expect(cleared.some((line) => /^authorization=;.*Max-Age=0/.test(line))).toBe(true);
    expect(cleared.some((line) => /^XSRF-TOKEN=;.*Max-Age=0/.test(line))).toBe(true);
    expect((await call("/inventory/binaries", { headers })).status).toBe(401);
    const viaBasic = await call("/user/logout", {
      method: "POST",
      headers: { Authorization: basic("tok/alice", "secret-password") },
    });
    expect(viaBasic.status).toBe(200);
    expect((await call("/user/logout", { method: "POST" })).status).toBe(401);
    expect(
      (await call("/user/logout", { headers: { Authorization: basic("tok/alice", "secret-password") } })).status,
    ).toBe(405);
  });
});

describe("what a token may do", () => {
  it("roles come from the user row: a read-only user's token lists but cannot upload", async () => {
    const token = await tokenLogin("tok", "reader");
    const auth = `Bearer ${token}`;
    expect((await call("/inventory/binaries", { headers: { Authorization: auth } })).status).toBe(200);
    await expect(upload(auth, "r.bin", "x")).rejects.toThrow(/403/);
  });
});

describe("GET /tenant/loginOptions", () => {
  it("lists OAUTH2_INTERNAL next to BASIC, with initRequest naming the tenant when asked for one", async () => {
    const res = await call("/tenant/loginOptions?tenantId=tok");
    const body = (await res.json()) as { loginOptions: Record<string, unknown>[] };
    expect(body.loginOptions.map((option) => option.type)).toEqual(["BASIC", "OAUTH2_INTERNAL"]);
    expect(body.loginOptions[1]).toMatchObject({
      grantType: "PASSWORD",
      userManagementSource: "INTERNAL",
      initRequest: `${BASE}/tenant/oauth?tenant_id=tok`,
    });
  });
});

describe("cookie session renewal", () => {
  async function asIsolate(vars: Record<string, string>, headers: Record<string, string>): Promise<Response> {
    const { createExecutionContext, waitOnExecutionContext } = await import("cloudflare:test");
    const worker = (await import("../../../src/index")).default;
    const ctx = createExecutionContext();
    const res = await worker.fetch(new Request(`${BASE}/inventory/binaries`, { headers }), { ...env, ...vars }, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  }

  it("a cookie session near its end gets a fresh token (same session and XSRF token) at its re-check", async () => {
    const { token, xsrf } = await cookieLogin("tok", "alice");
    const headers = { Cookie: `authorization=${token}`, "X-XSRF-TOKEN": xsrf };
    // Not near its end: no new cookies.
    const quiet = await asIsolate({ AUTH_RECHECK_SECONDS: "0" }, headers);
    expect(quiet.status).toBe(200);
    expect(quiet.headers.getSetCookie()).toEqual([]);
    // Renew whenever less than a year is left (always, here), with a lifetime one hour longer.
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a new iat/exp second
    const vars = {
      AUTH_RECHECK_SECONDS: "0",
      TOKEN_RENEW_BEFORE_SECONDS: "31536000",
      TOKEN_LIFETIME_SECONDS: "1213200",
    };
    const renewed = await asIsolate(vars, headers);
    expect(renewed.status).toBe(200);
    const lines = renewed.headers.getSetCookie();
    const fresh = lines.find((line) => line.startsWith("authorization="))!;
    expect(fresh).toMatch(/; HttpOnly/);
    expect(fresh).toMatch(/; SameSite=Strict/);
    const newToken = fresh.slice("authorization=".length).split(";")[0]!;
    const before = jwtParts(token).claims;
    const after = jwtParts(newToken).claims;
    expect(after.jti).toBe(before.jti);
    expect(after.xsrfToken).toBe(xsrf);
    expect(after.exp as number).toBeGreaterThan(before.exp as number);
    expect(lines.find((line) => line.startsWith("XSRF-TOKEN="))).toContain(`XSRF-TOKEN=${xsrf}`);
    const row = await env.DB.prepare("SELECT expires_ms AS e FROM sessions WHERE id = ?").bind(after.jti).first<{
      e: number;
    }>();
    expect(row?.e).toBe((after.exp as number) * 1000);
    // The renewed token works; a bearer token is never renewed.
    expect((await asIsolate({}, { Cookie: `authorization=${newToken}`, "X-XSRF-TOKEN": xsrf })).status).toBe(200);
    const bearer = await tokenLogin("tok", "alice");
    const viaBearer = await asIsolate(vars, { Authorization: `Bearer ${bearer}` });
    expect(viaBearer.status).toBe(200);
    expect(viaBearer.headers.getSetCookie()).toEqual([]);
  });
});
