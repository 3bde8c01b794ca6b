import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { Roles } from "../../../src/c8y/roles";
import worker from "../../../src/index";
import { BASE, call, seedUser, upload } from "../../helpers";
import { cookieLogin, handMadeToken, jwtParts, TEST_TOKEN_KEYS, tokenLogin } from "../../token-helpers";

/**
 * Nothing to forge or replay (issue 18, item 3): each case starts from a real token and changes one
 * thing, so each test fails when exactly the check it names is weakened.
 */

let real: string;
let claims: Record<string, unknown>;

beforeAll(async () => {
  await seedUser("forge", "alice");
  await seedUser("forge-other", "admin");
  real = await tokenLogin("forge", "alice");
  claims = jwtParts(real).claims;
});

const bearer = (token: string) => call("/inventory/binaries", { headers: { Authorization: `Bearer ${token}` } });

async function expectRefused(res: Response): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.headers.get("WWW-Authenticate")).toBe('Bearer realm="Cumulocity"');
  expect(res.headers.get("Content-Type")).toMatch(/^application\/vnd\.com\.nsn\.cumulocity\.error\+json/);
  expect(await res.json()).toMatchObject({ error: "security/Unauthorized", message: expect.any(String) });
}

describe("token forgery", () => {
  it("the real token and a re-signed copy of it work (so every refusal below is about its one change)", async () => {
    expect((await bearer(real)).status).toBe(200);
    const copy = await handMadeToken({ alg: "HS256", typ: "JWT", kid: "t2" }, claims, TEST_TOKEN_KEYS.t2);
    expect((await bearer(copy)).status).toBe(200);
    // Rotation: a token of the older key still in TOKEN_SIGNING_KEYS is honoured.
    const older = await handMadeToken({ alg: "HS256", typ: "JWT", kid: "t1" }, claims, TEST_TOKEN_KEYS.t1);
    expect((await bearer(older)).status).toBe(200);
  });

  it("alg none is refused", async () => {
    await expectRefused(await bearer(await handMadeToken({ alg: "none", typ: "JWT", kid: "t2" }, claims, undefined)));
  });

  it("an algorithm other than HS256 is refused, even with the right secret", async () => {
    const hs512 = await handMadeToken({ alg: "HS512", typ: "JWT", kid: "t2" }, claims, TEST_TOKEN_KEYS.t2, "SHA-512");
    await expectRefused(await bearer(hs512));
    const hs384 = await handMadeToken({ alg: "HS384", typ: "JWT", kid: "t2" }, claims, TEST_TOKEN_KEYS.t2, "SHA-384");
    await expectRefused(await bearer(hs384));
  });

  it("a key id we do not hold, or a kid naming another key than the one that signed, is refused", async () => {
    await expectRefused(
      await bearer(await handMadeToken({ alg: "HS256", typ: "JWT", kid: "t9" }, claims, TEST_TOKEN_KEYS.t2)),
    );
    await expectRefused(
      await bearer(await handMadeToken({ alg: "HS256", typ: "JWT", kid: "t1" }, claims, TEST_TOKEN_KEYS.t2)),
    );
    await expectRefused(await bearer(await handMadeToken({ alg: "HS256", typ: "JWT" }, claims, TEST_TOKEN_KEYS.t2)));
    await expectRefused(
      await bearer(await handMadeToken({ alg: "HS256", typ: "JWT", kid: "t2" }, claims, "an-attackers-own-secret-123")),
    );
  });

  it("an expired token is refused, its session row notwithstanding", async () => {
    const past = Math.floor(Date.now() / 1000) - 10;
    const expired = await handMadeToken(
      { alg: "HS256", typ: "JWT", kid: "t2" },
      { ...claims, exp: past, iat: past - 60, nbf: past - 60 },
      TEST_TOKEN_KEYS.t2,
    );
    await expectRefused(await bearer(expired));
    const noExpiry = { ...claims };
    delete noExpiry.exp;
    await expectRefused(
      await bearer(await handMadeToken({ alg: "HS256", typ: "JWT", kid: "t2" }, noExpiry, TEST_TOKEN_KEYS.t2)),
    );
  });

  it("another tenant's token gets nothing here; a session cannot be claimed for another tenant", async () => {
    const mine = await upload(`Bearer ${real}`, "mine.bin", "forge tenant bytes");
    const other = await tokenLogin("forge-other", "admin");
    const byOther = await call(`/inventory/binaries/${mine.id}`, { headers: { Authorization: `Bearer ${other}` } });
    expect(byOther.status).toBe(404);
    const users = await call("/user/forge/users", { headers: { Authorization: `Bearer ${other}` } });
    expect(users.status).toBe(404);
    // Even signed with our key: alice's session named under tenant forge-other (and its admin) is refused.
    const moved = { ...claims, ten: "forge-other" };
    await expectRefused(
      await bearer(await handMadeToken({ alg: "HS256", typ: "JWT", kid: "t2" }, moved, TEST_TOKEN_KEYS.t2)),
    );
    const otherUser = { ...claims, sub: "admin" };
    await expectRefused(
      await bearer(await handMadeToken({ alg: "HS256", typ: "JWT", kid: "t2" }, otherUser, TEST_TOKEN_KEYS.t2)),
    );
  });

  it("a token whose user lost a role is refused that role at the next re-check (roles come from the row)", async () => {
    await seedUser("forge", "writer", [Roles.inventoryAdmin]);
    const token = await tokenLogin("forge", "writer");
    expect((await upload(`Bearer ${token}`, "w.bin", "x")).id).toBeDefined();
    // Another isolate takes the role away: straight in D1, this isolate's memory knows nothing of it.
    await env.DB.prepare(
      `UPDATE users SET roles = '["${Roles.inventoryRead}"]' WHERE tenant = 'forge' AND user_name = 'writer'`,
    ).run();
    const ctx = createExecutionContext();
    const form = new FormData();
    form.append("object", JSON.stringify({ name: "w2.bin", type: "c8y_Firmware" }));
    form.append("file", new Blob(["x"]), "w2.bin");
    const res = await worker.fetch(
      new Request(`${BASE}/inventory/binaries`, {
        method: "POST",
        body: form,
        headers: { Authorization: `Bearer ${token}` },
      }),
      { ...env, AUTH_RECHECK_SECONDS: "0" },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "security/Forbidden" });
  });
});

describe("cookie requests need X-XSRF-TOKEN on every method", () => {
  const methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

  it("without it, or with a wrong one, any method is refused; with it, the same request passes", async () => {
    const { token, xsrf } = await cookieLogin("forge", "alice");
    const cookie = `authorization=${token}; XSRF-TOKEN=${xsrf}`;
    for (const method of methods) {
      for (const xsrfHeader of [undefined, "", `${xsrf}x`, xsrf.slice(1), "undefined"]) {
        const headers: Record<string, string> = { Cookie: cookie };
        if (xsrfHeader !== undefined) headers["X-XSRF-TOKEN"] = xsrfHeader;
        const res = await call("/inventory/binaries/uploads", { method, headers });
        expect(res.status, `${method} with X-XSRF-TOKEN ${xsrfHeader}`).toBe(401);
        if (method !== "HEAD") expect(await res.json()).toMatchObject({ error: "security/Unauthorized" });
      }
    }
    const ok = await call("/inventory/binaries", { headers: { Cookie: cookie, "X-XSRF-TOKEN": xsrf } });
    expect(ok.status).toBe(200);
  });

  it("the XSRF token of another session does not fit", async () => {
    const first = await cookieLogin("forge", "alice");
    const second = await cookieLogin("forge", "alice");
    const res = await call("/inventory/binaries", {
      headers: { Cookie: `authorization=${first.token}`, "X-XSRF-TOKEN": second.xsrf },
    });
    await expectRefused(res);
  });
});

describe("CORS never allows credentials", () => {
  it("no Access-Control-Allow-Credentials, with the wildcard or any origin list", async () => {
    const { token, xsrf } = await cookieLogin("forge", "alice");
    const preflight = await call("/inventory/binaries", {
      method: "OPTIONS",
      headers: {
        Origin: "https://evil.example",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "x-xsrf-token",
      },
    });
    expect(preflight.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(preflight.headers.get("Access-Control-Allow-Credentials")).toBeNull();
    const res = await call("/inventory/binaries", {
      headers: { Origin: "https://evil.example", Cookie: `authorization=${token}`, "X-XSRF-TOKEN": xsrf },
    });
    expect(res.headers.get("Access-Control-Allow-Credentials")).toBeNull();
    for (const setting of ["*", "https://app.example.com", "https://*.example.com"]) {
      const ctx = createExecutionContext();
      const listed = await worker.fetch(
        new Request(`${BASE}/inventory/binaries`, {
          method: "OPTIONS",
          headers: { Origin: "https://app.example.com", "Access-Control-Request-Method": "POST" },
        }),
        { ...env, CORS_ALLOWED_ORIGINS: setting },
        ctx,
      );
      await waitOnExecutionContext(ctx);
      expect(listed.headers.get("Access-Control-Allow-Origin")).not.toBeNull();
      expect(listed.headers.get("Access-Control-Allow-Credentials")).toBeNull();
    }
  });
});
