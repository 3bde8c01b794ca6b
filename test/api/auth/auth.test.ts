import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { cachedPrincipal } from "../../../src/auth/authenticate";
import { ensureBootstrapAdmin } from "../../../src/auth/bootstrap";
import { Roles } from "../../../src/c8y/roles";
import { basic, call, countEverywhere, db, seedUser, upload } from "../../helpers";

beforeAll(async () => {
  await seedUser("t1", "alice", undefined, "alice-password");
  await seedUser("t1", "dup", undefined, "p1-password");
  await seedUser("t2", "dup", undefined, "p2-password");
});

const whoAmI = (auth?: string, headers: Record<string, string> = {}) =>
  call("/tenant/currentTenant", { headers: { ...(auth ? { Authorization: auth } : {}), ...headers } });

describe("authentication", () => {
  it("accepts tenant/user:password", async () => {
    const res = await whoAmI(basic("t1/alice", "alice-password"));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: "t1" });
  });

  it("accepts user:password when the user name is unique", async () => {
    expect((await whoAmI(basic("alice", "alice-password"))).status).toBe(200);
  });

  it("refuses user:password when the name exists in two tenants", async () => {
    expect((await whoAmI(basic("dup", "p1-password"))).status).toBe(401);
    expect((await whoAmI(basic("t2/dup", "p2-password"))).status).toBe(200);
  });

  it.each([
    ["no header", undefined],
    ["wrong password", basic("t1/alice", "wrong")],
    ["unknown user", basic("t1/nobody", "x")],
    ["wrong tenant", basic("t2/alice", "alice-password")],
    ["not Basic", "Digest abc"],
    ["not base64", "Basic ***"],
    ["no colon", `Basic ${btoa("alice")}`],
    ["empty tenant", basic("/alice", "alice-password")],
  ])("401 with WWW-Authenticate for %s", async (_label, header) => {
    const res = await whoAmI(header);
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toBe('Basic realm="Cumulocity"');
    expect(res.headers.get("Content-Type")).toMatch(/cumulocity\.error\+json/);
    expect(await res.json()).toMatchObject({ error: "security/Unauthorized" });
  });

  it("XBasic when the request carries UseXBasic: true", async () => {
    const res = await whoAmI(undefined, { UseXBasic: "true" });
    expect(res.headers.get("WWW-Authenticate")).toBe('XBasic realm="Cumulocity"');
  });

  it("stores passwords only as salted PBKDF2 hashes", async () => {
    const row = await env.DB.prepare("SELECT password_hash FROM users WHERE tenant='t1' AND user_name='alice'").first<{
      password_hash: string;
    }>();
    expect(row!.password_hash).toMatch(/^pbkdf2-sha256\$100000\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(row!.password_hash).not.toContain("alice-password");
  });

  it("remembers a verified login in the credential cache, keyed by a hash of the header", async () => {
    const header = basic("t1/alice", "alice-password");
    await whoAmI(header);
    expect(await cachedPrincipal(header)).toMatchObject({ tenant: "t1", userName: "alice" });
  });
});

describe("the bootstrap admin", () => {
  it("is created from the variables, with every role, only once", async () => {
    const config = {
      BOOTSTRAP_TENANT: "boot",
      BOOTSTRAP_ADMIN_USER: "root",
      BOOTSTRAP_ADMIN_PASSWORD: "boot-password",
    };
    const marker = {};
    await ensureBootstrapAdmin(db(), marker, config);
    const res = await whoAmI(basic("boot/root", "boot-password"));
    expect(res.status).toBe(200);
    const roles = await env.DB.prepare("SELECT roles FROM users WHERE tenant='boot'").first<{ roles: string }>();
    expect(JSON.parse(roles!.roles)).toEqual(
      expect.arrayContaining([Roles.inventoryAdmin, Roles.inventoryRead, Roles.inventoryCreate]),
    );
    await ensureBootstrapAdmin(db(), {}, { ...config, BOOTSTRAP_ADMIN_PASSWORD: "changed" });
    expect((await whoAmI(basic("boot/root", "changed"))).status).toBe(401);
  });

  it("does nothing when the variables are not all set (a deployment has no default login)", async () => {
    await ensureBootstrapAdmin(db(), {}, { BOOTSTRAP_TENANT: "nope", BOOTSTRAP_ADMIN_USER: "admin" });
    expect(await countEverywhere("SELECT COUNT(*) AS n FROM users WHERE tenant='nope'")).toBe(0);
  });
});

describe("authorisation", () => {
  it("403 for a known user without a role the endpoint needs", async () => {
    const nobody = await seedUser("t1", "norole", []);
    const res = await call("/inventory/binaries", {
      method: "POST",
      headers: { Authorization: nobody, "Content-Type": "multipart/form-data; boundary=x" },
      body: "--x--",
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "security/Forbidden" });
  });

  it("the owner may read, replace and delete its own binary without READ or ADMIN", async () => {
    const creator = await seedUser("t1", "owner1", [Roles.inventoryCreate]);
    const mo = await upload(creator, "own.bin", "v1");
    expect((await call(`/inventory/binaries/${mo.id}`, { headers: { Authorization: creator } })).status).toBe(200);
    expect(
      (await call(`/inventory/binaries/${mo.id}`, { method: "PUT", body: "v2", headers: { Authorization: creator } }))
        .status,
    ).toBe(201);
    expect(
      (await call(`/inventory/binaries/${mo.id}`, { method: "DELETE", headers: { Authorization: creator } })).status,
    ).toBe(204);
  });

  it("a CREATE-only user may not read someone else's binary", async () => {
    const admin = basic("t1/alice", "alice-password");
    const mo = await upload(admin, "a.bin", "x");
    const creator = await seedUser("t1", "owner2", [Roles.inventoryCreate]);
    expect((await call(`/inventory/binaries/${mo.id}`, { headers: { Authorization: creator } })).status).toBe(403);
  });
});
