import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { basic, call, seedUser } from "../helpers";

/** The login throttle: one atomic upsert per attempt, keyed by login as sent + client address. */
const login = (authorization: string, address = "192.0.2.1") =>
  call("/tenant/currentTenant", { headers: { Authorization: authorization, "CF-Connecting-IP": address } });

beforeAll(async () => {
  await seedUser("t1", "alice", [], "alice-password");
});

describe("login throttle", () => {
  it("20 parallel wrong guesses: 5 are checked (401), 15 are throttled (429)", async () => {
    await seedUser("t1", "racer", [], "racer-password");
    const statuses = await Promise.all(
      Array.from({ length: 20 }, () => login(basic("t1/racer", "wrong-guess"), "192.0.2.20").then((res) => res.status)),
    );
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
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
