import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { countEverywhere, multipartBody, seedUser, callWithBindings as send, upload } from "../../helpers";

/**
 * Fair limits (issue 20 item 3, docs/api.md#rate-limits), against miniflare's real Rate Limiting
 * binding: TIGHT_RATE_LIMITER (3 per key and minute) stands in for the limiter under test. Every test
 * uses its own tenant or link, so the counters of one do not spill into another.
 */

async function count(tenant: string): Promise<number> {
  return countEverywhere("SELECT COUNT(*) AS n FROM binaries WHERE tenant = ?", tenant);
}

describe("per tenant and per login", () => {
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    alice = await seedUser("rl-tenant", "alice");
    bob = await seedUser("rl-tenant", "bob");
  });

  it("over the tenant's limit: 429 with Retry-After before any work, for every login of the tenant", async () => {
    const tight = { TENANT_RATE_LIMITER: env.TIGHT_RATE_LIMITER };
    for (let i = 0; i < 3; i++) {
      const res = await send("/inventory/binaries", { headers: { Authorization: i % 2 ? bob : alice } }, tight);
      expect(res.status).toBe(200);
    }
    const before = await count("rl-tenant");
    const { body, contentType } = multipartBody([
      { name: "object", value: JSON.stringify({ name: "fw.bin", type: "c8y_Firmware" }) },
      { name: "file", value: "firmware bytes", filename: "fw.bin" },
    ]);
    const refused = await send(
      "/inventory/binaries",
      { method: "POST", body, headers: { Authorization: bob, "Content-Type": contentType } },
      tight,
    );
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toBe("60");
    expect(refused.headers.get("X-Request-Id")).toBeTruthy();
    const error = (await refused.json()) as { error: string; message: string; details: { requestId: string } };
    expect(error.error).toBe("general/Too Many Requests");
    expect(error.message).toMatch(/Your tenant .* retry in 60 s/);
    expect(error.details.requestId).toBe(refused.headers.get("X-Request-Id"));
    expect(await count("rl-tenant")).toBe(before);
  });

  it("the login limit counts one login: another user of the tenant goes on", async () => {
    const carol = await seedUser("rl-login", "carol");
    const dave = await seedUser("rl-login", "dave");
    const tight = { LOGIN_RATE_LIMITER: env.TIGHT_RATE_LIMITER };
    for (let i = 0; i < 3; i++) {
      expect((await send("/inventory/binaries", { headers: { Authorization: carol } }, tight)).status).toBe(200);
    }
    const refused = await send("/inventory/binaries", { headers: { Authorization: carol } }, tight);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { message: string }).message).toMatch(/This login/);
    expect((await send("/inventory/binaries", { headers: { Authorization: dave } }, tight)).status).toBe(200);
  });

  it("RATE_LIMIT_RETRY_AFTER_SECONDS sets Retry-After; no bindings or turned off: nothing is limited", async () => {
    const erin = await seedUser("rl-config", "erin");
    const tight = { LOGIN_RATE_LIMITER: env.TIGHT_RATE_LIMITER, RATE_LIMIT_RETRY_AFTER_SECONDS: "10" };
    for (let i = 0; i < 3; i++) await send("/inventory/binaries", { headers: { Authorization: erin } }, tight);
    const refused = await send("/inventory/binaries", { headers: { Authorization: erin } }, tight);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toBe("10");
    const none = {
      TENANT_RATE_LIMITER: undefined,
      LOGIN_RATE_LIMITER: undefined,
    } as unknown as Partial<Env>;
    for (let i = 0; i < 6; i++) {
      expect((await send("/inventory/binaries", { headers: { Authorization: erin } }, none)).status).toBe(200);
    }
    // RATE_LIMITS_ENABLED=false turns them off even with the (tight) binding in place.
    const off = { ...tight, RATE_LIMITS_ENABLED: "false" };
    for (let i = 0; i < 6; i++) {
      expect((await send("/inventory/binaries", { headers: { Authorization: erin } }, off)).status).toBe(200);
    }
  });
});

describe("per signed link", () => {
  it("a link over its limit is refused with 429; another link to the same binary still works", async () => {
    const admin = await seedUser("rl-link", "admin");
    const mo = await upload(admin, "image.bin", "firmware image");
    const mint = async (seconds: number) => {
      const res = await send(
        `/inventory/binaries/${mo.id}/links`,
        {
          method: "POST",
          body: JSON.stringify({ expiresInSeconds: seconds }),
          headers: { Authorization: admin, "Content-Type": "application/json" },
        },
        {},
      );
      expect(res.status).toBe(201);
      const url = new URL(((await res.json()) as { url: string }).url);
      return url.pathname + url.search;
    };
    const first = await mint(600);
    const second = await mint(900);
    const tight = { LINK_RATE_LIMITER: env.TIGHT_RATE_LIMITER };
    for (let i = 0; i < 3; i++) expect((await send(first, {}, tight)).status).toBe(200);
    const refused = await send(first, {}, tight);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toBe("60");
    expect(((await refused.json()) as { message: string }).message).toMatch(/This link/);
    const other = await send(second, {}, tight);
    expect(other.status).toBe(200);
    expect(await other.text()).toBe("firmware image");
  });
});
