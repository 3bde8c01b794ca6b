import { beforeAll, describe, expect, it } from "vitest";
import { Roles } from "../../../src/c8y/roles";
import { BASE, basic, call, seedUser } from "../../helpers";

let admin: string;

beforeAll(async () => {
  admin = await seedUser("t1", "cu-admin");
});

const json = (auth: string, method: string, body: unknown, accept = "application/json") =>
  call("/user/currentUser", {
    method,
    headers: { Authorization: auth, "Content-Type": "application/json", Accept: accept },
    body: JSON.stringify(body),
  });

describe("GET /user/currentUser", () => {
  it("returns the caller with its roles, for any logged-in user (no role needed)", async () => {
    const nobody = await seedUser("t1", "cu-nobody", []);
    for (const [auth, userName, roles] of [
      [admin, "cu-admin", expect.arrayContaining([Roles.inventoryAdmin, Roles.userManagementAdmin])],
      [nobody, "cu-nobody", []],
    ] as const) {
      const res = await call("/user/currentUser", { headers: { Authorization: auth } });
      expect(res.status).toBe(200);
      expect(res.headers.get("Content-Type")).toBe(
        "application/vnd.com.nsn.cumulocity.currentUser+json;charset=UTF-8;ver=0.9",
      );
      const body = await res.json<any>();
      expect(body).toMatchObject({
        id: userName,
        userName,
        self: `${BASE}/user/currentUser`,
        enabled: true,
        shouldResetPassword: false,
      });
      expect(body.effectiveRoles.map((r: any) => r.id)).toEqual(roles);
      for (const role of body.effectiveRoles)
        expect(role).toEqual({ id: role.id, name: role.id, self: `${BASE}/user/roles/${role.id}` });
      expect(body.roles.references.map((r: any) => r.role.id)).toEqual(body.effectiveRoles.map((r: any) => r.id));
      expect(JSON.stringify(body)).not.toMatch(/passwordHash|pbkdf2|"password"/i);
    }
  });

  it("answers in the user media type when asked (@c8y/client's user.current()), else currentUser", async () => {
    const asUser = await call("/user/currentUser", {
      headers: { Authorization: admin, Accept: "application/vnd.com.nsn.cumulocity.user+json;" },
    });
    expect(asUser.headers.get("Content-Type")).toBe(
      "application/vnd.com.nsn.cumulocity.user+json;charset=UTF-8;ver=0.9",
    );
    for (const accept of [
      "application/vnd.com.nsn.cumulocity.currentUser+json;",
      "application/vnd.com.nsn.cumulocity.currentuser+json",
      "application/json",
      "*/*",
    ]) {
      const res = await call("/user/currentUser", { headers: { Authorization: admin, Accept: accept } });
      expect(res.headers.get("Content-Type"), accept).toBe(
        "application/vnd.com.nsn.cumulocity.currentUser+json;charset=UTF-8;ver=0.9",
      );
    }
  });

  it("is not a tenant called currentUser, and needs a login", async () => {
    expect((await call("/user/currentUser")).status).toBe(401);
    expect((await call("/user/currentUser/users", { headers: { Authorization: admin } })).status).toBe(404);
    const del = await call("/user/currentUser", { method: "DELETE", headers: { Authorization: admin } });
    expect(del.status).toBe(405);
    expect(del.headers.get("Allow")).toBe("GET, PUT");
  });
});

describe("PUT /user/currentUser", () => {
  it("changes name, email, phone, password with ROLE_USER_MANAGEMENT_OWN_ADMIN; ignores read-only fields", async () => {
    const auth = await seedUser("t1", "cu-self", [Roles.userManagementOwnAdmin], "first-password");
    const res = await json(auth, "PUT", {
      firstName: "Ada",
      lastName: "Lovelace",
      email: "ada@example.com",
      phone: "+44 20 7946 0000",
      userName: "someone-else",
      id: "x",
      enabled: false,
      effectiveRoles: [{ id: Roles.tenantManagementAdmin }],
      roles: { references: [{ role: { id: Roles.inventoryAdmin } }] },
    });
    expect(res.status).toBe(200);
    const body = await res.json<any>();
    expect(body).toMatchObject({
      userName: "cu-self",
      firstName: "Ada",
      lastName: "Lovelace",
      email: "ada@example.com",
      phone: "+44 20 7946 0000",
      enabled: true,
    });
    expect(body.effectiveRoles.map((r: any) => r.id)).toEqual([Roles.userManagementOwnAdmin]);

    const changed = await json(auth, "PUT", { password: "second-password", currentUserPassword: "first-password" });
    expect(changed.status).toBe(200);
    expect((await changed.json<any>()).lastPasswordChange).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect((await call("/user/currentUser", { headers: { Authorization: auth } })).status).toBe(401);
    const renewed = basic("t1/cu-self", "second-password");
    expect((await call("/user/currentUser", { headers: { Authorization: renewed } })).status).toBe(200);
  });

  it("changes the password only with the current one (issue 21 finding 10), like /password", async () => {
    const auth = await seedUser("t1", "cu-takeover", [Roles.userManagementOwnAdmin], "owner-password-1");
    for (const body of [
      { password: "attacker-password" },
      { password: "attacker-password", currentUserPassword: "wrong-password" },
      { password: "attacker-password", currentUserPassword: 42 },
      { password: "attacker-password", firstName: "Mallory", currentUserPassword: "" },
    ]) {
      const res = await json(auth, "PUT", body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect((await res.json<any>()).message).toMatch(/currentUserPassword/);
    }
    // Nothing changed: the old password works, the new one does not, and no other field was written.
    expect((await call("/user/currentUser", { headers: { Authorization: auth } })).status).toBe(200);
    const attacker = basic("t1/cu-takeover", "attacker-password");
    expect((await call("/user/currentUser", { headers: { Authorization: attacker } })).status).toBe(401);
    const me = await (await call("/user/currentUser", { headers: { Authorization: auth } })).json<any>();
    expect(me.firstName).toBeUndefined();
    // Profile changes alone still need no password.
    expect((await json(auth, "PUT", { firstName: "Owner" })).status).toBe(200);
  });

  it("without an Accept header answers 200 with an empty body (the Accept rule)", async () => {
    const auth = await seedUser("t1", "cu-noaccept", [Roles.userManagementOwnAdmin]);
    const res = await call("/user/currentUser", {
      method: "PUT",
      headers: { Authorization: auth, "Content-Type": "application/json" },
      body: JSON.stringify({ firstName: "N" }),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
  });

  it("403 without ROLE_USER_MANAGEMENT_OWN_ADMIN; bad values 422; nothing changes", async () => {
    const auth = await seedUser("t1", "cu-readonly", [Roles.inventoryRead], "readonly-password");
    expect((await json(auth, "PUT", { firstName: "X", password: "changed-password" })).status).toBe(403);
    expect((await call("/user/currentUser", { headers: { Authorization: auth } })).status).toBe(200);
    const own = await seedUser("t1", "cu-bad", [Roles.userManagementOwnAdmin]);
    for (const body of [
      { password: "short", currentUserPassword: "secret-password" },
      { email: "not-an-email" },
      { firstName: 5 },
      { phone: "x".repeat(100) },
      { lastName: "a\u0000b" },
    ]) {
      const res = await json(own, "PUT", body);
      expect(res.status, JSON.stringify(body)).toBe(422);
    }
    const after = await (await call("/user/currentUser", { headers: { Authorization: own } })).json<any>();
    expect(after.firstName).toBeUndefined();
    expect(after.email).toBeUndefined();
  });
});

describe("PUT /user/currentUser/password", () => {
  it("needs the current password; then the new one works and the old one is refused", async () => {
    const auth = await seedUser("t1", "cu-pw", [Roles.userManagementOwnAdmin], "old-password-1");
    const put = (body: unknown, authorization = auth) =>
      call("/user/currentUser/password", {
        method: "PUT",
        headers: { Authorization: authorization, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    expect((await put({ currentUserPassword: "wrong-password", newPassword: "new-password-1" })).status).toBe(422);
    expect((await put({ newPassword: "new-password-1" })).status).toBe(422);
    expect((await put({ currentUserPassword: "old-password-1", newPassword: "short" })).status).toBe(422);
    expect((await call("/user/currentUser", { headers: { Authorization: auth } })).status).toBe(200);
    const ok = await put({ currentUserPassword: "old-password-1", newPassword: "new-password-1" });
    expect(ok.status).toBe(200);
    expect((await call("/user/currentUser", { headers: { Authorization: auth } })).status).toBe(401);
    expect(
      (await call("/user/currentUser", { headers: { Authorization: basic("t1/cu-pw", "new-password-1") } })).status,
    ).toBe(200);
  });

  it("403 without ROLE_USER_MANAGEMENT_OWN_ADMIN", async () => {
    const auth = await seedUser("t1", "cu-pw-ro", [], "old-password-2");
    const res = await call("/user/currentUser/password", {
      method: "PUT",
      headers: { Authorization: auth, "Content-Type": "application/json" },
      body: JSON.stringify({ currentUserPassword: "old-password-2", newPassword: "new-password-2" }),
    });
    expect(res.status).toBe(403);
    expect((await call("/user/currentUser", { headers: { Authorization: auth } })).status).toBe(200);
  });
});

describe("one's own password through the user API (issue 21 finding 10)", () => {
  it("one own password via the user API needs currentUserPassword; resetting another user not", async () => {
    const admin = await seedUser("t1", "cu-admin-self", [Roles.userManagementAdmin], "admin-password-1");
    const put = (path: string, body: unknown) =>
      call(path, {
        method: "PUT",
        headers: { Authorization: admin, "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
      });
    expect((await put("/user/t1/users/cu-admin-self", { password: "taken-over-1" })).status).toBe(422);
    expect(
      (await put("/user/t1/users/cu-admin-self", { password: "taken-over-1", currentUserPassword: "nope-nope" }))
        .status,
    ).toBe(422);
    expect((await call("/user/currentUser", { headers: { Authorization: admin } })).status).toBe(200);
    await seedUser("t1", "cu-other", [], "other-password-1");
    expect((await put("/user/t1/users/cu-other", { password: "reset-password-1" })).status).toBe(200);
    const own = await put("/user/t1/users/cu-admin-self", {
      password: "admin-password-2",
      currentUserPassword: "admin-password-1",
    });
    expect(own.status).toBe(200);
    expect(
      (await call("/user/currentUser", { headers: { Authorization: basic("t1/cu-admin-self", "admin-password-2") } }))
        .status,
    ).toBe(200);
  });
});
