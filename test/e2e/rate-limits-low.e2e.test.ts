/// <reference types="node" />
/**
 * The tenant, login and address limits (docs/api.md#rate-limits) under `npm start`, as miniflare runs
 * the Rate Limiting bindings of wrangler.toml. Their real limits (30,000, 6,000 and 600 a minute) are
 * too high to reach here, so this file starts its own `scripts/start.mjs` on a config that is
 * wrangler.toml with only the `[[ratelimits]]` limits lowered (written next to it, as `.dev.vars` must
 * sit beside the config, and removed afterwards); the suite's shared service keeps the real limits.
 * The binding's windows are aligned to the wall clock's minutes, so a burst may straddle two of them:
 * each burst is sent until its first 429, at most a little more than two windows' worth.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServiceProcess, startService } from "./service-process";

const ROOT = join(import.meta.dirname, "../..");
const CONFIG = ".wrangler-e2e-low-limits.toml";
const LIMITS = { TENANT_RATE_LIMITER: 20, LOGIN_RATE_LIMITER: 8, ADDRESS_RATE_LIMITER: 10 };
const persistTo = mkdtempSync(join(tmpdir(), "c8y-low-limits-e2e-"));
const platform = `Basic ${Buffer.from("management/admin:admin").toString("base64")}`;
let service: ServiceProcess | undefined;
let baseUrl = "";

/** wrangler.toml with each named limit's `simple = { limit = … }` replaced. */
function lowered(toml: string): string {
  let out = toml;
  for (const [name, limit] of Object.entries(LIMITS)) {
    const entry = new RegExp(`(name = "${name}"\\n[^\\[]*?simple = \\{ limit = )\\d+`);
    if (!entry.test(out)) throw new Error(`wrangler.toml has no [[ratelimits]] ${name}`);
    out = out.replace(entry, `$1${limit}`);
  }
  return out;
}

beforeAll(async () => {
  writeFileSync(join(ROOT, CONFIG), lowered(readFileSync(join(ROOT, "wrangler.toml"), "utf8")));
  service = await startService({ root: ROOT, persistTo, args: ["--config", CONFIG], readyTimeoutMs: 120_000 });
  baseUrl = service.baseUrl;
}, 180_000);

afterAll(async () => {
  await service?.stop();
  rmSync(join(ROOT, CONFIG), { force: true });
  rmSync(persistTo, { recursive: true, force: true });
});

const basic = (login: string, password: string) => `Basic ${Buffer.from(`${login}:${password}`).toString("base64")}`;

/** Sends until the first 429 (at most `n`); resolves the statuses before it and that 429. */
async function untilRefused(n: number, send: (i: number) => Promise<Response>) {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await send(i);
    if (res.status === 429) return { statuses, refused: res };
    statuses.push(res.status);
    await res.arrayBuffer();
  }
  return { statuses, refused: undefined };
}

async function createTenant(id: string, users: string[]): Promise<void> {
  const res = await fetch(`${baseUrl}/tenant/tenants`, {
    method: "POST",
    headers: { Authorization: platform, "Content-Type": "application/json" },
    body: JSON.stringify({ id, company: id, domain: `${id}.example`, adminName: users[0], adminPass: "pass-word-1" }),
  });
  expect(res.status).toBe(201);
  for (const user of users.slice(1)) {
    const created = await fetch(`${baseUrl}/user/${id}/users`, {
      method: "POST",
      headers: { Authorization: basic(`${id}/${users[0]}`, "pass-word-1"), "Content-Type": "application/json" },
      body: JSON.stringify({ userName: user, password: "pass-word-1" }),
    });
    expect(created.status).toBe(201);
  }
}

async function expect429(refused: Response | undefined, who: RegExp): Promise<void> {
  expect(refused?.status).toBe(429);
  expect(refused?.headers.get("Retry-After")).toBe("60");
  const body = (await refused!.json()) as { error: string; message: string };
  expect(body.error).toBe("general/Too Many Requests");
  expect(body.message).toMatch(who);
}

describe("rate limits under npm start, with low limits", () => {
  it("the tenant limit: its logins together get 429 once the tenant's share is used up", async () => {
    await createTenant("lowtenant", ["admin", "alice", "bob"]);
    const logins = ["admin", "alice", "bob"].map((user) => basic(`lowtenant/${user}`, "pass-word-1"));
    // Three logins in turn: none reaches the login limit (8) before the tenant's (20) is used up.
    const { statuses, refused } = await untilRefused(45, (i) =>
      fetch(`${baseUrl}/inventory/binaries`, { headers: { Authorization: logins[i % 3]! } }),
    );
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(statuses.length).toBeGreaterThan(0);
    await expect429(refused, /Your tenant/);
  });

  it("the login limit: one login gets 429; another tenant's login goes on", async () => {
    await createTenant("lowlogin", ["carol"]);
    await createTenant("lowother", ["dave"]);
    const carol = basic("lowlogin/carol", "pass-word-1");
    const { statuses, refused } = await untilRefused(20, () =>
      fetch(`${baseUrl}/inventory/binaries`, { headers: { Authorization: carol } }),
    );
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    await expect429(refused, /This login/);
    const dave = await fetch(`${baseUrl}/inventory/binaries`, {
      headers: { Authorization: basic("lowother/dave", "pass-word-1") },
    });
    expect(dave.status).toBe(200);
  });

  it("the address limit: logins not yet verified get 429, before their password is checked", async () => {
    // Each guess names another user, so the login throttle (per login) never meets them: only the
    // address limit does. A token login from the address is refused too.
    const { statuses, refused } = await untilRefused(25, (i) =>
      fetch(`${baseUrl}/inventory/binaries`, { headers: { Authorization: basic(`lowother/guess-${i}`, "nope") } }),
    );
    expect(statuses.filter((s) => s !== 401)).toEqual([]);
    await expect429(refused, /Your address/);
    const token = await fetch(`${baseUrl}/tenant/oauth/token?tenant_id=lowother`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "grant_type=PASSWORD&username=dave&password=pass-word-1",
    });
    expect(token.status).toBe(429);
  });
});
