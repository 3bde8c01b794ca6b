import { beforeAll, describe, expect, it } from "vitest";
import { ALL_ROLES, Roles } from "../../../src/c8y/roles";
import { BASE, callJson, seedUser } from "../../helpers";

let admin: string;
let platformAdmin: string;

beforeAll(async () => {
  admin = await seedUser("t2", "uc-admin");
  platformAdmin = await seedUser("management", "uc-root");
});

const send = callJson;

describe("user administration details", () => {
  it("a user administrator cannot delete its own user (403), but others' users", async () => {
    const res = await send("DELETE", "/user/t2/users/uc-admin", admin);
    expect(res.status).toBe(403);
    expect((await send("GET", "/user/currentUser", admin)).status).toBe(200);
    await seedUser("t2", "uc-victim");
    expect((await send("DELETE", "/user/t2/users/uc-victim", admin)).status).toBe(204);
  });

  it("?username= filters by prefix (case-sensitive), with paging and totals", async () => {
    for (const name of ["pre-a", "pre-b", "pre-c", "Pre-d", "xpre-e"]) await seedUser("t2", name, []);
    const page = await (
      await send("GET", "/user/t2/users?username=pre-&pageSize=2&withTotalElements=true", admin)
    ).json<any>();
    expect(page.users.map((u: any) => u.userName)).toEqual(["pre-a", "pre-b"]);
    expect(page.statistics.totalElements).toBe(3);
    expect(page.next).toContain("username=pre-");
    const next = await (await send("GET", page.next.replace(BASE, ""), admin)).json<any>();
    expect(next.users.map((u: any) => u.userName)).toEqual(["pre-c"]);
    const odd = await (await send("GET", `/user/t2/users?username=${encodeURIComponent("%_'")}`, admin)).json<any>();
    expect(odd.users).toEqual([]);
  });

  it("GET /user/{tenant}/userByName/{name} is the user (the template /platform publishes)", async () => {
    const res = await send("GET", "/user/t2/userByName/uc-admin", admin);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ userName: "uc-admin", self: `${BASE}/user/t2/users/uc-admin` });
    expect((await send("GET", "/user/t2/userByName/nobody", admin)).status).toBe(404);
  });

  it("GET /user/roles is paged like every collection", async () => {
    const first = await (await send("GET", "/user/roles?pageSize=4&withTotalElements=true", admin)).json<any>();
    expect(first.roles.map((r: any) => r.id)).toEqual(ALL_ROLES.slice(0, 4));
    expect(first.statistics).toMatchObject({ currentPage: 1, pageSize: 4, totalElements: ALL_ROLES.length });
    const third = await (await send("GET", "/user/roles?pageSize=4&currentPage=3", admin)).json<any>();
    expect(third.roles.map((r: any) => r.id)).toEqual(ALL_ROLES.slice(8, 12));
    expect((await send("GET", "/user/roles?pageSize=0", admin)).status).toBe(422);
    const byDefault = await (await send("GET", "/user/roles", admin)).json<any>();
    expect(byDefault.roles).toHaveLength(5);
  });
});

describe("standard platform roles", () => {
  it("can be granted: ROLE_USER_MANAGEMENT_READ, _OWN_READ, _OWN_ADMIN, ROLE_TENANT_MANAGEMENT_READ", async () => {
    await seedUser("t2", "uc-grantee", []);
    for (const role of [
      Roles.userManagementRead,
      Roles.userManagementOwnRead,
      Roles.userManagementOwnAdmin,
      Roles.tenantManagementRead,
    ]) {
      const res = await send("POST", "/user/t2/users/uc-grantee/roles", admin, {
        role: { self: `${BASE}/user/roles/${role}` },
      });
      expect(res.status, role).toBe(201);
    }
    for (const unknown of ["ROLE_ALARM_ADMIN", "ROLE_USER_MANAGEMENT_CREATE", "ROLE_GOD"]) {
      expect((await send("POST", "/user/t2/users/uc-grantee/roles", admin, { role: { id: unknown } })).status).toBe(
        422,
      );
    }
  });

  it("ROLE_USER_MANAGEMENT_READ reads its tenant's users and changes nothing", async () => {
    const reader = await seedUser("t2", "uc-reader", [Roles.userManagementRead]);
    expect((await send("GET", "/user/t2/users", reader)).status).toBe(200);
    expect((await send("GET", "/user/t2/users/uc-admin", reader)).status).toBe(200);
    expect((await send("HEAD", "/user/t2/users/uc-admin", reader)).status).toBe(200);
    expect((await send("POST", "/user/t2/users", reader, { userName: "nope", password: "nope-password" })).status).toBe(
      403,
    );
    expect((await send("PUT", "/user/t2/users/uc-admin", reader, { password: "hijacked-pass" })).status).toBe(403);
    expect((await send("DELETE", "/user/t2/users/uc-admin", reader)).status).toBe(403);
    expect(
      (await send("POST", "/user/t2/users/uc-reader/roles", reader, { role: { id: Roles.inventoryAdmin } })).status,
    ).toBe(403);
    expect((await send("DELETE", `/user/t2/users/uc-reader/roles/${Roles.userManagementRead}`, reader)).status).toBe(
      403,
    );
    // Another tenant stays invisible.
    await seedUser("t3", "uc-other");
    expect((await send("GET", "/user/t3/users", reader)).status).toBe(404);
  });

  it("ROLE_TENANT_MANAGEMENT_READ in the management tenant lists and reads tenants, changes nothing", async () => {
    const reader = await seedUser("management", "uc-tenant-reader", [Roles.tenantManagementRead]);
    const list = await send("GET", "/tenant/tenants?pageSize=100", reader);
    expect(list.status).toBe(200);
    expect((await list.json<any>()).tenants.map((t: any) => t.id)).toEqual(expect.arrayContaining(["t2"]));
    expect((await send("GET", "/tenant/tenants/t2", reader)).status).toBe(200);
    const body = { id: "nope", company: "C", domain: "d.example.com", adminName: "a", adminPass: "a-password" };
    expect((await send("POST", "/tenant/tenants", reader, body)).status).toBe(403);
    expect((await send("DELETE", "/tenant/tenants/t2", reader)).status).toBe(403);
    // Outside the management tenant the role grants nothing.
    const elsewhere = await seedUser("t2", "uc-tenant-reader-t2", [Roles.tenantManagementRead]);
    expect((await send("GET", "/tenant/tenants", elsewhere)).status).toBe(403);
    // The platform admin still manages tenants, and does not see its own tenant in the list.
    const own = await (
      await send("GET", "/tenant/tenants?pageSize=100&withTotalElements=true", platformAdmin)
    ).json<any>();
    expect(own.tenants.map((t: any) => t.id)).not.toContain("management");
    expect(own.statistics.totalElements).toBe(own.tenants.length);
  });
});
