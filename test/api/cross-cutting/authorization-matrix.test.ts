import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { Roles } from "../../../src/c8y/roles";
import { call, seedUser, upload } from "../../helpers";
import { BINARY_ACCESS, request, type Target } from "./binary-access";

/**
 * docs/api.md#tenants-users-roles as a table: role × endpoint × whose binary → expected status. READ reads everything
 * in the tenant, CREATE uploads and manages its own, ADMIN manages everything, the owner may always
 * read, replace and delete, and another tenant's binary is always 404.
 */
const roles = {
  none: [] as string[],
  read: [Roles.inventoryRead],
  create: [Roles.inventoryCreate],
  admin: [Roles.inventoryAdmin],
};
type Role = keyof typeof roles;

//                                  none   read   create admin
const postStatus: Record<Role, number> = { none: 403, read: 403, create: 201, admin: 201 };
const listSees: Record<Role, Record<Target, boolean>> = {
  none: { own: true, other: false, foreign: false },
  read: { own: true, other: true, foreign: false },
  create: { own: true, other: false, foreign: false },
  admin: { own: true, other: true, foreign: false },
};

const auth = {} as Record<Role, string>;
let uploader: string;
let foreigner: string;

beforeAll(async () => {
  for (const role of Object.keys(roles) as Role[]) auth[role] = await seedUser("t1", `user-${role}`, roles[role]);
  uploader = await seedUser("t1", "someone-else");
  foreigner = await seedUser("t2", "foreigner");
});

/** A fresh binary owned by `owner` (given directly in D1, since a role-less user cannot upload). */
async function binaryOwnedBy(target: Target, role: Role): Promise<string> {
  const mo = await upload(target === "foreign" ? foreigner : uploader, "m.bin", "matrix");
  if (target === "own")
    await env.DB.prepare("UPDATE binaries SET owner = ? WHERE id = ?").bind(`user-${role}`, Number(mo.id)).run();
  return mo.id;
}

const cells = Object.entries(BINARY_ACCESS).flatMap(([endpoint, byTarget]) =>
  (Object.keys(byTarget) as Target[]).flatMap((target) =>
    (Object.keys(roles) as Role[]).map((role, i) => [endpoint, target, role, byTarget[target][i]!] as const),
  ),
);

describe("authorisation matrix", () => {
  it.each(cells)("%s on %s binary as %s → %i", async (endpoint, target, role, status) => {
    const id = await binaryOwnedBy(target, role);
    const before = await env.DB.prepare("SELECT revpos, last_updated FROM binaries WHERE id = ?")
      .bind(Number(id))
      .first();
    const res = await request(endpoint, id, auth[role]);
    expect(res.status).toBe(status);
    await res.arrayBuffer();
    if (status >= 400) {
      // a refused request changes nothing
      expect(
        await env.DB.prepare("SELECT revpos, last_updated FROM binaries WHERE id = ?").bind(Number(id)).first(),
      ).toEqual(before);
    }
  });

  it.each(Object.entries(postStatus))("POST /inventory/binaries as %s → %i", async (role, status) => {
    const form = new FormData();
    form.append("object", '{"name":"p","type":"t"}');
    form.append("file", new Blob(["x"]), "p.bin");
    const res = await call("/inventory/binaries", {
      method: "POST",
      body: form,
      headers: { Authorization: auth[role as Role] },
    });
    expect(res.status).toBe(status);
  });

  it.each(Object.entries(listSees))("GET /inventory/binaries as %s sees own/other/foreign = %o", async (role, sees) => {
    const ids = {
      own: await binaryOwnedBy("own", role as Role),
      other: await binaryOwnedBy("other", role as Role),
      foreign: await binaryOwnedBy("foreign", role as Role),
    };
    const res = await call(`/inventory/binaries?pageSize=2000&ids=${Object.values(ids).join(",")}`, {
      headers: { Authorization: auth[role as Role] },
    });
    expect(res.status).toBe(200);
    const listed = new Set((await res.json<any>()).managedObjects.map((m: any) => m.id));
    for (const target of ["own", "other", "foreign"] as Target[])
      expect(listed.has(ids[target]), target).toBe(sees[target]);
  });
});
