import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { Roles } from "../../../src/c8y/roles";
import { BASE, call, seedUser, upload } from "../../helpers";

let admin: string;
let owner: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  admin = await seedUser("q1", "q-admin");
  owner = await seedUser("q1", "q-owner", [Roles.inventoryCreate]);
  const make = async (key: string, auth: string, name: string, type: string, extra: Record<string, unknown> = {}) => {
    ids[key] = (await upload(auth, name, key, extra, type)).id;
  };
  await make("fw1", admin, "firmware-1.0.bin", "c8y_Firmware", { c8y_Firmware: { version: "1.0", size: 10 } });
  await make("fw2", admin, "firmware-2.0.bin", "c8y_Firmware", { c8y_Firmware: { version: "2.0", size: 20 } });
  await make("log", admin, "Device.LOG", "c8y_Log", { c8y_Tags: ["night", "error"], note: "Needle in a haystack" });
  await make("quote", admin, "it's.txt", "text/plain", { c8y_Flag: true });
  await make("mine", owner, "owned.bin", "c8y_Firmware", { c8y_Firmware: { version: "3.0", size: 5 } });
});

async function list(query: string, auth = admin) {
  const res = await call(`/inventory/managedObjects${query}`, {
    headers: { Authorization: auth, Accept: "application/json" },
  });
  return { status: res.status, res, body: await res.json<any>() };
}
const idsOf = (body: any): string[] => body.managedObjects.map((mo: any) => mo.id);
const keysOf = (body: any): string[] => idsOf(body).map((id) => Object.keys(ids).find((key) => ids[key] === id) ?? id);
const q = (text: string) => `?pageSize=100&query=${encodeURIComponent(text)}`;

describe("GET /inventory/managedObjects", () => {
  it("lists the tenant's binaries as managed objects, paged, with self under managedObjects", async () => {
    const { status, res, body } = await list("?pageSize=2&withTotalElements=true");
    expect(status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe(
      "application/vnd.com.nsn.cumulocity.managedObjectCollection+json;charset=UTF-8;ver=0.9",
    );
    expect(keysOf(body)).toEqual(["fw1", "fw2"]);
    expect(body.managedObjects[0].self).toBe(`${BASE}/inventory/managedObjects/${ids.fw1}`);
    expect(body.statistics).toMatchObject({ currentPage: 1, pageSize: 2, totalElements: 5 });
    expect(body.next).toBe(`${BASE}/inventory/managedObjects?pageSize=2&withTotalElements=true&currentPage=2`);
    expect(body.self).toMatch(/^http:\/\/example\.test\/inventory\/managedObjects\?/);
  });

  it("fragmentType=c8y_IsBinary selects every binary; other fragment types select what has them", async () => {
    expect(keysOf((await list("?pageSize=100&fragmentType=c8y_IsBinary")).body)).toEqual([
      "fw1",
      "fw2",
      "log",
      "quote",
      "mine",
    ]);
    expect(keysOf((await list("?pageSize=100&fragmentType=c8y_Firmware")).body)).toEqual(["fw1", "fw2", "mine"]);
    expect(keysOf((await list("?pageSize=100&fragmentType=c8y_IsDevice")).body)).toEqual([]);
    expect((await list("?fragmentType=a%20b")).status).toBe(422);
  });

  it("type, owner and ids filter as on /inventory/binaries; a user without READ sees only its own", async () => {
    expect(keysOf((await list("?pageSize=100&type=c8y_Firmware&owner=q-admin")).body)).toEqual(["fw1", "fw2"]);
    expect(keysOf((await list(`?pageSize=100&ids=${ids.log},${ids.mine}`)).body)).toEqual(["log", "mine"]);
    expect(keysOf((await list("?pageSize=100", owner)).body)).toEqual(["mine"]);
    expect(keysOf((await list("?pageSize=100&fragmentType=c8y_IsBinary", owner)).body)).toEqual(["mine"]);
  });

  it("text matches name, type or any string value, ignoring ASCII case; long text is 422, not 500", async () => {
    expect(keysOf((await list("?pageSize=100&text=device.log")).body)).toEqual(["log"]);
    expect(keysOf((await list("?pageSize=100&text=c8y_log")).body)).toEqual(["log"]);
    expect(keysOf((await list("?pageSize=100&text=NEEDLE")).body)).toEqual(["log"]);
    expect(keysOf((await list("?pageSize=100&text=night")).body)).toEqual(["log"]);
    expect(keysOf((await list("?pageSize=100&text=2.0")).body)).toEqual(["fw2"]);
    expect(keysOf((await list(`?pageSize=100&text=${"x".repeat(200)}`)).body)).toEqual([]);
    expect((await list(`?text=${"x".repeat(257)}`)).status).toBe(422);
  });

  it("query language: has(), eq wildcards, and/or/not, nested fragments, numbers, booleans, $orderby", async () => {
    const cases: [string, string[]][] = [
      ["has(c8y_IsBinary)", ["fw1", "fw2", "log", "quote", "mine"]],
      ["$filter=has(c8y_IsBinary) and (name eq 'Device.LOG')", ["log"]],
      ["name eq 'firmware-*'", ["fw1", "fw2"]],
      ["name eq '*.bin'", ["fw1", "fw2", "mine"]],
      ["name eq '*ware-2*'", ["fw2"]],
      ["name eq 'f*-*.bin'", ["fw1", "fw2"]],
      ["name eq 'it''s.txt'", ["quote"]],
      ["type eq c8y_Log", ["log"]],
      ["type eq 'c8y_Firmware' and owner eq 'q-owner'", ["mine"]],
      ["type eq 'c8y_Log' or c8y_Flag eq true", ["log", "quote"]],
      ["not has(c8y_Firmware)", ["log", "quote"]],
      ["c8y_Firmware.version eq '2.0'", ["fw2"]],
      ["c8y_Firmware.size gt 5 and c8y_Firmware.size le 20", ["fw1", "fw2"]],
      ["c8y_Firmware.size ge 20d", ["fw2"]],
      ["c8y_Tags eq 'error'", ["log"]],
      ["hasany(c8y_Tags, c8y_Flag)", ["log", "quote"]],
      ["bygroupid(12)", []],
      ["not bygroupid(12) and has(c8y_Flag)", ["quote"]],
      [`id eq ${ids.fw2}`, ["fw2"]],
      ["$filter=type eq 'c8y_Firmware' $orderby=c8y_Firmware.version desc", ["mine", "fw2", "fw1"]],
      ["$orderby=name", ["log", "fw1", "fw2", "quote", "mine"]],
      ["$orderby=_id desc", ["mine", "quote", "log", "fw2", "fw1"]],
    ];
    for (const [text, expected] of cases) {
      const { status, body } = await list(q(text));
      expect(status, text).toBe(200);
      expect(keysOf(body), text).toEqual(expected);
    }
    // query is ANDed with the other parameters
    expect(keysOf((await list(`${q("has(c8y_Firmware)")}&owner=q-admin`)).body)).toEqual(["fw1", "fw2"]);
  });

  it("unsupported or malformed queries are a clear 422 in the error shape", async () => {
    for (const text of [
      "name ne 'x'",
      "name eq",
      "foo(x)",
      "has(name)",
      "_attachments.x eq 'y'",
      "name eq 'unterminated",
      "((((((((((((((((((x eq 1))))))))))))))))))",
      "name eq '*a*b*c*d*e*f*g*h*i*j*k*l*m*n*o*p*q*r*s*t*u*v*w*x*y*z*'",
      "$orderby=",
      "$orderby=c8y_IsBinary",
      Array.from({ length: 25 }, (_, i) => `a${i} eq 1`).join(" and "),
    ]) {
      const { status, res, body } = await list(q(text));
      expect(status, text).toBe(422);
      expect(res.headers.get("Content-Type")).toMatch(/error\+json/);
      expect(body.message, text).toMatch(/^Invalid query: /);
    }
  });

  it("never answers 500, whatever the query (property test)", async () => {
    const token = fc.constantFrom(
      "has(",
      "hasany(",
      "bygroupid(",
      "not",
      "and",
      "or",
      "eq",
      "gt",
      "le",
      "(",
      ")",
      ",",
      "'",
      "''",
      "*",
      "$filter=",
      "$orderby=",
      "name",
      "type",
      "c8y_Firmware.size",
      "c8y_Tags",
      "id",
      "_id",
      "desc",
      "10.5d",
      "'a*b'",
      "true",
      "c8y_IsBinary",
      " ",
      "\\",
      '"',
      "%",
      "é",
      "\u0000",
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(token, fc.string({ maxLength: 6 })), { maxLength: 12 }), async (parts) => {
        const res = await call(`/inventory/managedObjects${q(parts.join(" "))}`, { headers: { Authorization: admin } });
        await res.arrayBuffer();
        return res.status === 200 || res.status === 422;
      }),
      { numRuns: 150 },
    );
  });

  it("q (a device query) finds nothing, binaries are not devices; child filters find nothing", async () => {
    expect(keysOf((await list(`?q=${encodeURIComponent("name eq '*'")}`)).body)).toEqual([]);
    expect((await list(`?q=${encodeURIComponent("name ne 'x'")}`)).status).toBe(422);
    expect(keysOf((await list(`?childAdditionId=${ids.fw1}`)).body)).toEqual([]);
  });

  it("GET /inventory/managedObjects/count counts with the same filters; other methods 405", async () => {
    const res = await call("/inventory/managedObjects/count?fragmentType=c8y_Firmware", {
      headers: { Authorization: admin },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toBe(3);
    const post = await call("/inventory/managedObjects", { method: "POST", headers: { Authorization: admin } });
    expect(post.status).toBe(405);
    expect(post.headers.get("Allow")).toBe("GET");
  });
});

describe("reference collections of a binary", () => {
  it("the managed object carries childAdditions … deviceParents, empty, whose self links answer", async () => {
    const res = await call(`/inventory/managedObjects/${ids.fw1}`, { headers: { Authorization: admin } });
    const mo = await res.json<any>();
    for (const name of [
      "childAdditions",
      "childAssets",
      "childDevices",
      "additionParents",
      "assetParents",
      "deviceParents",
    ]) {
      expect(mo[name], name).toEqual({ self: `${BASE}/inventory/managedObjects/${ids.fw1}/${name}`, references: [] });
      const sub = await call(mo[name].self.replace(BASE, ""), { headers: { Authorization: admin } });
      expect(sub.status, name).toBe(200);
      expect(sub.headers.get("Content-Type")).toMatch(/managedObjectReferenceCollection\+json/);
      expect(await sub.json()).toMatchObject({ references: [], statistics: { currentPage: 1 } });
    }
    // Also on the binaries path's managed object and in lists, pointing at managedObjects.
    const [fromList] = (await list(`?ids=${ids.fw1}`)).body.managedObjects;
    expect(fromList.childAdditions.self).toBe(`${BASE}/inventory/managedObjects/${ids.fw1}/childAdditions`);
    // Another user's binary stays 404/403 through these paths too.
    expect(
      (await call(`/inventory/managedObjects/${ids.fw1}/childAssets`, { headers: { Authorization: owner } })).status,
    ).toBe(403);
    expect(
      (await call("/inventory/managedObjects/99999999/childAssets", { headers: { Authorization: admin } })).status,
    ).toBe(404);
  });

  it("clients sending the collections back in a PUT do not store them as fragments", async () => {
    const res = await call(`/inventory/managedObjects/${ids.fw2}`, {
      method: "PUT",
      headers: { Authorization: admin, "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ childAdditions: { references: [{ managedObject: { id: "1" } }] }, c8y_Note: "x" }),
    });
    expect(res.status).toBe(200);
    const mo = await res.json<any>();
    expect(mo.childAdditions.references).toEqual([]);
    expect(mo.c8y_Note).toBe("x");
  });
});
