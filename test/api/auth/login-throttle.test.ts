import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { FREE_ATTEMPTS, MAX_PENDING } from "../../../src/auth/login-throttle";
import { basic, call, seedUser } from "../../helpers";
import { FORM_TYPE, loginForm } from "../../token-helpers";

/**
 * The login throttle (docs/api.md#authentication-and-login-throttle): attempts admitted by one atomic upsert
 * (in flight, capped) and only failures counted towards a block, keyed by login as sent + client address.
 */
const login = (authorization: string, address = "192.0.2.1") =>
  call("/tenant/currentTenant", { headers: { Authorization: authorization, "CF-Connecting-IP": address } });

beforeAll(async () => {
  await seedUser("t1", "alice", [], "alice-password");
});

describe("login throttle", () => {
  it("parallel logins with the right password on a cold credential cache all succeed", async () => {
    // A client firing its first requests at once (a browser or SDK at start, a test suite): none has
    // failed, so none may be refused. A fresh user, and each request spells the scheme differently
    // (`Basic`, `basic`, `bASIC`, …: one login, 32 headers), so none finds another's verified login in the
    // credential cache: each is checked, as in 32 isolates at once. As many as the documented bound of
    // attempts in flight (docs/api.md: 32 = MAX_PENDING).
    const header = await seedUser("t1", "eager", [], "eager-password");
    const encoded = header.slice("Basic ".length);
    const schemes = Array.from({ length: 32 }, (_, i) =>
      [..."basic"].map((ch, bit) => ((i >> bit) & 1 ? ch.toUpperCase() : ch)).join(""),
    );
    const statuses = await Promise.all(
      schemes.map((scheme) => login(`${scheme} ${encoded}`, "192.0.2.40").then((res) => res.status)),
    );
    expect(statuses).toEqual(Array(32).fill(200));
  });

  it("parallel token logins with the right password all succeed", async () => {
    await seedUser("t1", "eager-token", [], "eager-password");
    const statuses = await Promise.all(
      Array.from({ length: 20 }, () =>
        call("/tenant/oauth/token?tenant_id=t1", {
          method: "POST",
          body: loginForm("eager-token", "eager-password"),
          headers: { "Content-Type": FORM_TYPE, "CF-Connecting-IP": "192.0.2.41" },
        }).then((res) => res.status),
      ),
    );
    expect(statuses).toEqual(Array(20).fill(200));
  });

  it("parallel wrong guesses: at most MAX_PENDING + FREE_ATTEMPTS - 1 checked, then the key is blocked", async () => {
    // The same for a user that exists and one that does not: a 429 tells nothing about users.
    await seedUser("t1", "racer", [], "racer-password");
    for (const [name, address] of [
      ["racer", "192.0.2.20"],
      ["no-racer", "192.0.2.21"],
    ] as const) {
      const statuses = await Promise.all(
        Array.from({ length: 60 }, () => login(basic(`t1/${name}`, "wrong-guess"), address).then((res) => res.status)),
      );
      const checked = statuses.filter((s) => s === 401).length;
      expect(checked, name).toBeGreaterThanOrEqual(FREE_ATTEMPTS);
      expect(checked, name).toBeLessThanOrEqual(MAX_PENDING + FREE_ATTEMPTS - 1);
      expect(
        statuses.filter((s) => s === 429),
        name,
      ).toHaveLength(60 - checked);
      // Their failures block the key, the right password included.
      const blocked = await login(basic(`t1/${name}`, `${name}-password`), address);
      expect(blocked.status, name).toBe(429);
      expect(Number(blocked.headers.get("Retry-After")), name).toBeGreaterThanOrEqual(1);
    }
  });

  it("a 429 does not tell whether a tenant-less user name exists", async () => {
    await seedUser("t1", "hidden", [], "hidden-password");
    const answers: number[] = [];
    for (const name of ["hidden", "nobody-here"]) {
      for (let i = 0; i < 5; i++) await login(basic(`t1/${name}`, "wrong-guess"), "192.0.2.30");
      // The same name without the tenant is another login: its answer must not depend on whether t1/<name> exists.
      answers.push((await login(basic(name, "wrong-guess"), "192.0.2.30")).status);
    }
    expect(answers).toEqual([401, 401]);
  });

  it("locks out only the client that failed: the right password from another address works", async () => {
    await seedUser("t1", "victim", [], "victim-password");
    for (let i = 0; i < 5; i++)
      expect((await login(basic("t1/victim", "wrong-guess"), "198.51.100.1")).status).toBe(401);
    expect((await login(basic("t1/victim", "victim-password"), "198.51.100.1")).status).toBe(429);
    expect((await login(basic("t1/victim", "victim-password"), "198.51.100.2")).status).toBe(200);
  });

  it("a success forgets the client's attempts", async () => {
    for (let i = 0; i < 4; i++) await login(basic("t1/alice", "wrong-guess"), "203.0.113.9");
    expect((await login(basic("t1/alice", "alice-password"), "203.0.113.9")).status).toBe(200);
    expect(
      await env.DB.prepare("SELECT COUNT(*) AS n FROM login_failures WHERE login LIKE 't1/alice %'").first("n"),
    ).toBe(0);
  });
});
