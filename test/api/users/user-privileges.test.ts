import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { ALL_ROLES, Roles } from "../../../src/c8y/roles";
import { basic, call, seedUser } from "../../helpers";

/**
 * Roles only flow downwards (docs/api.md#tenants-users-roles): a user grants only roles it holds,
 * ROLE_TENANT_MANAGEMENT_ADMIN only a platform admin grants, and nobody changes or deletes a user
 * holding a role they lack. Actor roles x target roles x action -> status.
 */
const actors = {
  userAdmin: { tenant: "management", roles: [Roles.userManagementAdmin] },
  userAdminReader: { tenant: "management", roles: [Roles.userManagementAdmin, Roles.inventoryRead] },
  platformAdmin: { tenant: "management", roles: ALL_ROLES },
  tenantAdmin: { tenant: "t1", roles: ALL_ROLES },
};
type Actor = keyof typeof actors;
const targets = {
  none: [] as readonly string[],
  reader: [Roles.inventoryRead],
  userAdmin: [Roles.userManagementAdmin],
  allRoles: ALL_ROLES,
};
type Target = keyof typeof targets;
const actions = [
  "grant READ",
  "grant INVENTORY_ADMIN",
  "grant TENANT_MANAGEMENT_ADMIN",
  "revoke",
  "set password",
  "delete",
] as const;
type Action = (typeof actions)[number];

// One row per target: the statuses of the actions above, in order (null: the target has no role to revoke).
type Row = [number, number, number, number | null, number, number];
const F: Row = [403, 403, 403, 403, 403, 403];
const table: Record<Actor, Record<Target, Row>> = {
  userAdmin: {
    none: [403, 403, 403, null, 200, 204],
    reader: F,
    userAdmin: [403, 403, 403, 204, 200, 204],
    allRoles: F,
  },
  userAdminReader: {
    none: [201, 403, 403, null, 200, 204],
    reader: [201, 403, 403, 204, 200, 204],
    userAdmin: [201, 403, 403, 204, 200, 204],
    allRoles: F,
  },
  platformAdmin: {
    none: [201, 201, 201, null, 200, 204],
    reader: [201, 201, 201, 204, 200, 204],
    userAdmin: [201, 201, 201, 204, 200, 204],
    allRoles: [201, 201, 201, 204, 200, 204],
  },
  tenantAdmin: {
    none: [201, 201, 403, null, 200, 204],
    reader: [201, 201, 403, 204, 200, 204],
    userAdmin: [201, 201, 403, 204, 200, 204],
    allRoles: [201, 201, 403, 204, 200, 204],
  },
};

const auth = {} as Record<Actor, string>;
beforeAll(async () => {
  for (const [name, actor] of Object.entries(actors))
    auth[name as Actor] = await seedUser(actor.tenant, `actor-${name}`, actor.roles);
});

function send(method: string, path: string, authorization: string, body?: unknown): Promise<Response> {
  return call(path, {
    method,
    headers: { Authorization: authorization, "Content-Type": "application/json", Accept: "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

const roleRef = (role: string) => ({ role: { self: `http://example.test/user/roles/${role}` } });

function act(action: Action, path: string, authorization: string, targetRoles: readonly string[]): Promise<Response> {
  switch (action) {
    case "grant READ":
      return send("POST", `${path}/roles`, authorization, roleRef(Roles.inventoryRead));
    case "grant INVENTORY_ADMIN":
      return send("POST", `${path}/roles`, authorization, roleRef(Roles.inventoryAdmin));
    case "grant TENANT_MANAGEMENT_ADMIN":
      return send("POST", `${path}/roles`, authorization, roleRef(Roles.tenantManagementAdmin));
    case "revoke":
      return send("DELETE", `${path}/roles/${targetRoles.at(-1)}`, authorization);
    case "set password":
      return send("PUT", path, authorization, { password: "taken-over-1" });
    case "delete":
      return send("DELETE", path, authorization);
  }
}

const userRow = (tenant: string, userName: string) =>
  env.DB.prepare("SELECT password_hash, roles FROM users WHERE tenant = ? AND user_name = ?")
    .bind(tenant, userName)
    .first();

let serial = 0;
const cells = (Object.keys(table) as Actor[]).flatMap((actor) =>
  (Object.keys(targets) as Target[])
    .flatMap((target) => actions.map((action, i) => [actor, target, action, table[actor][target][i]!] as const))
    .filter((cell) => cell[3] !== null),
);

describe("who may change whom", () => {
  it.each(cells)("%s on a %s user: %s -> %i", async (actor, target, action, status) => {
    const { tenant } = actors[actor];
    const userName = `target-${target}-${++serial}`;
    await seedUser(tenant, userName, targets[target], "target-password");
    const before = await userRow(tenant, userName);
    const res = await act(action, `/user/${tenant}/users/${userName}`, auth[actor], targets[target]);
    expect(res.status).toBe(status);
    if (status === 403) {
      expect((await res.json<any>()).error).toBe("security/Forbidden");
      expect(await userRow(tenant, userName)).toEqual(before); // a refused request changes nothing
    }
  });
});

describe("the reported escalations", () => {
  it("a management user with only USER_MANAGEMENT_ADMIN cannot make itself a platform admin", async () => {
    const self = await seedUser("management", "ua-self", [Roles.userManagementAdmin], "ua-self-password");
    const res = await send("POST", "/user/management/users/ua-self/roles", self, roleRef(Roles.tenantManagementAdmin));
    expect(res.status).toBe(403);
    expect((await send("GET", "/tenant/tenants", self)).status).toBe(403);
    expect((await userRow("management", "ua-self"))?.roles).toBe(JSON.stringify([Roles.userManagementAdmin]));
  });

  it("a user admin cannot reset a platform admin's password and log in as them", async () => {
    await seedUser("management", "root-2", ALL_ROLES, "root-password-2");
    const attacker = await seedUser("management", "ua-attacker", [Roles.userManagementAdmin], "ua-attacker-pw");
    expect((await send("PUT", "/user/management/users/root-2", attacker, { password: "now-mine-123" })).status).toBe(
      403,
    );
    expect(
      (await call("/tenant/currentTenant", { headers: { Authorization: basic("management/root-2", "now-mine-123") } }))
        .status,
    ).toBe(401);
    expect(
      (
        await call("/tenant/currentTenant", {
          headers: { Authorization: basic("management/root-2", "root-password-2") },
        })
      ).status,
    ).toBe(200);
  });

  it("in any tenant a user admin cannot grant a role it does not hold, not even to itself", async () => {
    const self = await seedUser("t2", "ua", [Roles.userManagementAdmin], "ua-password-t2");
    for (const role of [Roles.inventoryAdmin, Roles.inventoryRead, Roles.inventoryCreate]) {
      expect((await send("POST", "/user/t2/users/ua/roles", self, roleRef(role))).status).toBe(403);
    }
    expect((await userRow("t2", "ua"))?.roles).toBe(JSON.stringify([Roles.userManagementAdmin]));
  });
});

describe("concurrent role changes", () => {
  it("parallel grants of different roles to one user all stay, and parallel revokes all apply", async () => {
    await seedUser("management", "many-roles", [], "many-roles-pw");
    const path = "/user/management/users/many-roles/roles";
    const roles = [Roles.inventoryRead, Roles.inventoryCreate, Roles.inventoryAdmin, Roles.userManagementAdmin];
    const granted = await Promise.all(roles.map((role) => send("POST", path, auth.platformAdmin, roleRef(role))));
    expect(granted.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    const held = JSON.parse(String((await userRow("management", "many-roles"))?.roles)) as string[];
    expect([...held].sort()).toEqual([...roles].sort());
    const revoked = await Promise.all(
      roles.slice(0, 3).map((role) => send("DELETE", `${path}/${role}`, auth.platformAdmin)),
    );
    expect(revoked.map((r) => r.status)).toEqual([204, 204, 204]);
    expect((await userRow("management", "many-roles"))?.roles).toBe(JSON.stringify([Roles.userManagementAdmin]));
  });
});
