import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { Roles } from "../../../src/c8y/roles";
import { basic, call, countEverywhere, seedUser, shardOf, upload } from "../../helpers";

let platformAdmin: string;
let t1Admin: string;

beforeAll(async () => {
  platformAdmin = await seedUser("management", "root");
  t1Admin = await seedUser("t1", "alice");
});

function send(method: string, path: string, auth: string, body?: unknown) {
  return call(path, {
    method,
    headers: { Authorization: auth, "Content-Type": "application/json", Accept: "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

describe("users", () => {
  it("create, read, list, change password and email, delete", async () => {
    const created = await send("POST", "/user/t1/users", t1Admin, {
      userName: "dave",
      password: "dave-password-1",
      email: "dave@example.com",
    });
    expect(created.status).toBe(201);
    const user = await created.json<any>();
    expect(user).toMatchObject({
      id: "dave",
      userName: "dave",
      email: "dave@example.com",
      self: "http://example.test/user/t1/users/dave",
    });
    expect(JSON.stringify(user)).not.toMatch(/password/i);
    expect(created.headers.get("Location")).toBe(user.self);

    expect((await send("GET", "/user/t1/users/dave", t1Admin)).status).toBe(200);
    const page = await (await send("GET", "/user/t1/users?pageSize=100&withTotalElements=true", t1Admin)).json<any>();
    expect(page.users.map((u: any) => u.userName)).toEqual(expect.arrayContaining(["alice", "dave"]));
    expect(page.statistics.totalElements).toBe(page.users.length);

    // A fresh user has no roles: it can log in but not read binaries.
    const dave = basic("t1/dave", "dave-password-1");
    expect((await call("/tenant/currentTenant", { headers: { Authorization: dave } })).status).toBe(200);
    expect((await call("/inventory/binaries", { method: "POST", headers: { Authorization: dave } })).status).toBe(403);

    const changed = await send("PUT", "/user/t1/users/dave", t1Admin, {
      password: "dave-password-2",
      email: "d@example.org",
    });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toMatchObject({ email: "d@example.org" });
    expect((await call("/tenant/currentTenant", { headers: { Authorization: dave } })).status).toBe(401);
    expect(
      (await call("/tenant/currentTenant", { headers: { Authorization: basic("t1/dave", "dave-password-2") } })).status,
    ).toBe(200);

    expect((await send("DELETE", "/user/t1/users/dave", t1Admin)).status).toBe(204);
    expect((await send("GET", "/user/t1/users/dave", t1Admin)).status).toBe(404);
    expect(
      (await call("/tenant/currentTenant", { headers: { Authorization: basic("t1/dave", "dave-password-2") } })).status,
    ).toBe(401);
  });

  it("assigns and removes roles, which take effect at once", async () => {
    await send("POST", "/user/t1/users", t1Admin, { userName: "erin", password: "erin-password" });
    const erin = basic("t1/erin", "erin-password");
    const mo = await upload(t1Admin, "x.bin", "x");
    expect((await call(`/inventory/binaries/${mo.id}`, { headers: { Authorization: erin } })).status).toBe(403);

    const assigned = await send("POST", "/user/t1/users/erin/roles", t1Admin, {
      role: { self: "http://example.test/user/roles/ROLE_INVENTORY_READ" },
    });
    expect(assigned.status).toBe(201);
    expect(await assigned.json()).toMatchObject({ role: { id: "ROLE_INVENTORY_READ" } });
    expect((await call(`/inventory/binaries/${mo.id}`, { headers: { Authorization: erin } })).status).toBe(200);
    const shown = await (await send("GET", "/user/t1/users/erin", t1Admin)).json<any>();
    expect(shown.roles.references.map((r: any) => r.role.id)).toEqual(["ROLE_INVENTORY_READ"]);

    expect((await send("DELETE", "/user/t1/users/erin/roles/ROLE_INVENTORY_READ", t1Admin)).status).toBe(204);
    expect((await call(`/inventory/binaries/${mo.id}`, { headers: { Authorization: erin } })).status).toBe(403);
    expect((await send("DELETE", "/user/t1/users/erin/roles/ROLE_INVENTORY_READ", t1Admin)).status).toBe(404);
  });

  it("GET /user/roles lists the roles", async () => {
    const res = await send("GET", "/user/roles?pageSize=100", t1Admin);
    expect(res.status).toBe(200);
    expect((await res.json<any>()).roles.map((r: any) => r.id)).toEqual(
      expect.arrayContaining([
        Roles.inventoryRead,
        Roles.inventoryCreate,
        Roles.inventoryAdmin,
        Roles.userManagementAdmin,
      ]),
    );
  });

  it.each([
    ["a short password", { userName: "x1", password: "short" }],
    ["no password", { userName: "x2" }],
    ["a user name with a slash", { userName: "a/b", password: "long-enough-1" }],
    ["a user name with a colon", { userName: "a:b", password: "long-enough-1" }],
    ["a bad email", { userName: "x3", password: "long-enough-1", email: "nope" }],
  ])("refuses %s with 422 and creates nothing", async (_label, body) => {
    const res = await send("POST", "/user/t1/users", t1Admin, body);
    expect(res.status).toBe(422);
    expect(res.headers.get("Content-Type")).toMatch(/cumulocity\.error\+json/);
    const n = await countEverywhere(
      "SELECT COUNT(*) AS n FROM users WHERE user_name LIKE 'x%' OR user_name LIKE 'a%b'",
    );
    expect(n).toBe(0);
  });

  it("409 for an existing user name; 422 for an unknown role", async () => {
    expect(
      (await send("POST", "/user/t1/users", t1Admin, { userName: "alice", password: "whatever-123" })).status,
    ).toBe(409);
    expect(
      (await send("POST", "/user/t1/users/alice/roles", t1Admin, { role: { self: "http://x/user/roles/ROLE_GOD" } }))
        .status,
    ).toBe(422);
  });

  it("needs ROLE_USER_MANAGEMENT_ADMIN, and only in its own tenant", async () => {
    const inventoryAdmin = await seedUser("t1", "invadmin", [Roles.inventoryAdmin]);
    expect((await send("GET", "/user/t1/users", inventoryAdmin)).status).toBe(403);
    const t2Admin = await seedUser("t2", "bob");
    expect((await send("GET", "/user/t1/users", t2Admin)).status).toBe(404);
    expect(
      (await send("POST", "/user/t1/users", t2Admin, { userName: "intruder", password: "intruder-pw" })).status,
    ).toBe(404);
    // the platform admin may manage any tenant's users
    expect((await send("GET", "/user/t1/users", platformAdmin)).status).toBe(200);
  });
});

/** Tenants and users over every shard (a refused creation must leave none anywhere). */
const tenantsAndUsers = async () => ({
  t: await countEverywhere("SELECT COUNT(*) AS n FROM tenants"),
  u: await countEverywhere("SELECT COUNT(*) AS n FROM users"),
});

describe("tenants", () => {
  it("a platform admin creates a tenant with an admin who has every role; the admin can work at once", async () => {
    const res = await send("POST", "/tenant/tenants", platformAdmin, {
      id: "acme",
      company: "ACME",
      domain: "acme.example.com",
      adminName: "boss",
      adminPass: "boss-password",
      adminEmail: "boss@acme.example.com",
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      id: "acme",
      company: "ACME",
      domain: "acme.example.com",
      adminName: "boss",
      status: "ACTIVE",
    });
    const boss = basic("acme/boss", "boss-password");
    const mo = await upload(boss, "acme.bin", "acme data");
    expect(mo.owner).toBe("boss");
    expect(
      (await send("POST", "/user/acme/users", boss, { userName: "worker", password: "worker-password" })).status,
    ).toBe(201);
    const list = await (await send("GET", "/tenant/tenants?pageSize=100", platformAdmin)).json<any>();
    expect(list.tenants.map((t: any) => t.id)).toEqual(expect.arrayContaining(["acme", "t1"]));
    // The caller's own tenant is not one of its subtenants.
    expect(list.tenants.map((t: any) => t.id)).not.toContain("management");
  });

  it("refuses bad input (422) and duplicates (409) without writing anything", async () => {
    const before = await tenantsAndUsers();
    expect(
      (
        await send("POST", "/tenant/tenants", platformAdmin, {
          id: "Bad Id",
          company: "c",
          domain: "d",
          adminName: "a",
          adminPass: "long-enough-1",
        })
      ).status,
    ).toBe(422);
    expect(
      (
        await send("POST", "/tenant/tenants", platformAdmin, {
          company: "c",
          domain: "d",
          adminName: "a",
          adminPass: "short",
        })
      ).status,
    ).toBe(422);
    expect(
      (
        await send("POST", "/tenant/tenants", platformAdmin, {
          id: "t1",
          company: "c",
          domain: "d",
          adminName: "a",
          adminPass: "long-enough-1",
        })
      ).status,
    ).toBe(409);
    expect(await tenantsAndUsers()).toEqual(before);
  });

  it("only management-tenant admins may manage tenants", async () => {
    expect((await send("GET", "/tenant/tenants", t1Admin)).status).toBe(403);
    expect(
      (
        await send("POST", "/tenant/tenants", t1Admin, {
          company: "c",
          domain: "d",
          adminName: "a",
          adminPass: "long-enough-1",
        })
      ).status,
    ).toBe(403);
    const managementReader = await seedUser("management", "viewer", [Roles.inventoryRead]);
    expect((await send("GET", "/tenant/tenants", managementReader)).status).toBe(403);
  });

  it("DELETE removes the tenant, its users, its rows and its bytes", async () => {
    await send("POST", "/tenant/tenants", platformAdmin, {
      id: "doomed",
      company: "D",
      domain: "d.example",
      adminName: "dadmin",
      adminPass: "dadmin-password",
    });
    const dadmin = basic("doomed/dadmin", "dadmin-password");
    for (let i = 0; i < 3; i++) await upload(dadmin, `f${i}.bin`, `data ${i}`);
    const t1Objects = (await env.BUCKET.list({ prefix: "t1/" })).objects.length;
    expect((await env.BUCKET.list({ prefix: "doomed/" })).objects).toHaveLength(3);

    expect((await send("DELETE", "/tenant/tenants/doomed", platformAdmin)).status).toBe(204);
    expect((await env.BUCKET.list({ prefix: "doomed/" })).objects).toHaveLength(0);
    expect(await countEverywhere("SELECT COUNT(*) AS n FROM binaries WHERE tenant='doomed'")).toBe(0);
    expect(await countEverywhere("SELECT COUNT(*) AS n FROM users WHERE tenant='doomed'")).toBe(0);
    expect((await call("/tenant/currentTenant", { headers: { Authorization: dadmin } })).status).toBe(401);
    expect((await env.BUCKET.list({ prefix: "t1/" })).objects.length).toBe(t1Objects);
    expect((await send("DELETE", "/tenant/tenants/doomed", platformAdmin)).status).toBe(404);
    expect((await send("DELETE", "/tenant/tenants/management", platformAdmin)).status).toBe(403);
  });
});

describe("login throttling", () => {
  it("after 5 failures: 429 + Retry-After, even for the right password; the block ends", async () => {
    await seedUser("t1", "victim", [], "victim-password");
    const wrong = basic("t1/victim", "wrong-password");
    for (let i = 0; i < 5; i++)
      expect((await call("/tenant/currentTenant", { headers: { Authorization: wrong } })).status).toBe(401);
    const blocked = await call("/tenant/currentTenant", {
      headers: { Authorization: basic("t1/victim", "victim-password") },
    });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(await blocked.json()).toMatchObject({ error: "security/Too Many Requests" });
    // Let the block run out (simulated by moving it into the past), then the right password works and resets the count.
    await (await shardOf("t1")).d1
      .prepare("UPDATE login_failures SET blocked_until_ms = 0 WHERE login = 't1/victim -'")
      .run();
    expect(
      (await call("/tenant/currentTenant", { headers: { Authorization: basic("t1/victim", "victim-password") } }))
        .status,
    ).toBe(200);
    expect(
      await (await shardOf("t1")).d1
        .prepare("SELECT COUNT(*) AS n FROM login_failures WHERE login = 't1/victim -'")
        .first("n"),
    ).toBe(0);
  });
});
