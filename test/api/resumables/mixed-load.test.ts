import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, multipartBody, randomBytes, seedUser, TUS, TUS_OCTETS, upload } from "../../helpers";

/**
 * Issue 21: a bounded mixed load (resumable uploads and replaces, plain uploads and replaces,
 * downloads, lists, link mints and link downloads, upload and binary deletes, odd query
 * parameters), many requests at once over the same few binaries and uploads: no answer is a 5xx,
 * and afterwards every row's bytes exist.
 */
const OCTETS = TUS_OCTETS;
const MIB = 1024 * 1024;
const users: string[] = [];
const binaries: string[] = [];
const uploads: { path: string; auth: string; size: number }[] = [];

beforeAll(async () => {
  for (const name of ["ann", "ben", "cid"]) users.push(await seedUser("load", name));
  for (let i = 0; i < 6; i++) binaries.push((await upload(users[i % 3]!, `seed${i}.bin`, `seed ${i}`)).id);
});

/** A small deterministic generator, so a failing run can be replayed. */
function random(seed: number) {
  let state = seed >>> 0;
  return (n: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
}

type Op = (pick: (n: number) => number) => Promise<Response>;
const b64 = (text: string) => btoa(text);
const any = <T>(pick: (n: number) => number, items: T[]) => items[pick(items.length)]!;

const ops: Record<string, Op> = {
  async createResumable(pick) {
    const auth = any(pick, users);
    const size = any(pick, [0, 10, 1000, 6 * MIB]);
    const replace = pick(3) === 0 ? `,binaryId ${b64(any(pick, binaries))}` : "";
    const res = await call("/inventory/binaries/uploads", {
      method: "POST",
      headers: {
        Authorization: auth,
        ...TUS,
        "Upload-Length": String(size),
        "Upload-Metadata": `filename ${b64("l.bin")}${replace}`,
      },
    });
    if (res.status === 201) uploads.push({ path: new URL(res.headers.get("Location")!).pathname, auth, size });
    return res;
  },
  async appendUpload(pick) {
    const target = uploads.length > 0 ? any(pick, uploads) : undefined;
    if (!target) return new Response(null, { status: 204 });
    return call(target.path, {
      method: "PATCH",
      headers: {
        Authorization: target.auth,
        ...TUS,
        "Content-Type": OCTETS,
        "Upload-Offset": "0",
        "Content-Length": String(target.size),
      },
      body: randomBytes(target.size, pick(1000)),
    });
  },
  async headUpload(pick) {
    const target = uploads.length > 0 ? any(pick, uploads) : undefined;
    if (!target) return new Response(null, { status: 204 });
    return call(target.path, { method: "HEAD", headers: { Authorization: any(pick, users), ...TUS } });
  },
  async deleteResumable(pick) {
    const target = uploads.length > 0 ? any(pick, uploads) : undefined;
    if (!target) return new Response(null, { status: 204 });
    return call(target.path, { method: "DELETE", headers: { Authorization: target.auth, ...TUS } });
  },
  listResumables: (pick) =>
    call(`/inventory/binaries/uploads?pageSize=${any(pick, [1, 5, 2000])}`, {
      headers: { Authorization: any(pick, users) },
    }),
  async createBinary(pick) {
    const { body, contentType } = multipartBody([
      { name: "object", value: JSON.stringify({ name: "p.txt", type: "c8y_Firmware" }) },
      { name: "file", value: `plain ${pick(1000)}`, filename: "p.txt", contentType: "text/plain" },
    ]);
    const res = await call("/inventory/binaries", {
      method: "POST",
      headers: { Authorization: any(pick, users), "Content-Type": contentType, Accept: "application/json" },
      body,
    });
    if (res.status === 201) binaries.push((await res.clone().json<{ id: string }>()).id);
    return res;
  },
  replaceBinary: (pick) =>
    call(`/inventory/binaries/${any(pick, binaries)}`, {
      method: "PUT",
      headers: { Authorization: any(pick, users), "Content-Type": "text/plain" },
      body: `replaced ${pick(1000)}`,
    }),
  deleteBinary: (pick) =>
    call(`/inventory/binaries/${any(pick, binaries)}`, {
      method: "DELETE",
      headers: { Authorization: any(pick, users) },
    }),
  download: (pick) =>
    call(`/inventory/binaries/${any(pick, binaries)}`, {
      headers: { Authorization: any(pick, users), ...(pick(2) ? { Range: "bytes=0-3" } : {}) },
    }),
  async mintAndFetchLink(pick) {
    const minted = await call(`/inventory/binaries/${any(pick, binaries)}/links`, {
      method: "POST",
      headers: { Authorization: any(pick, users) },
    });
    if (minted.status !== 201) return minted;
    const url = new URL((await minted.json<{ url: string }>()).url);
    return call(`${url.pathname}${url.search}`);
  },
  list: (pick) =>
    call(
      `${any(pick, ["/inventory/binaries", "/inventory/managedObjects", "/inventory/managedObjects/count"])}?${any(
        pick,
        [
          "pageSize=5",
          "fragmentType=a..b",
          "fragmentType=.",
          "fragmentType=c8y_IsBinary",
          "query=name eq 'l*'",
          "currentPage=999999999999&pageSize=2000",
        ],
      )}`,
      { headers: { Authorization: any(pick, users) } },
    ),
};

describe("bounded mixed load", () => {
  it("8 waves of 30 concurrent requests: no 5xx; every remaining row has its bytes", async () => {
    const pick = random(2112);
    const names = Object.keys(ops);
    const seen = new Map<string, Set<number>>();
    for (let wave = 0; wave < 8; wave++) {
      const batch = Array.from({ length: 30 }, () => any(pick, names));
      const answers = await Promise.all(
        batch.map(async (name) => {
          const res = await ops[name]!(random(pick(1 << 30)));
          await res.body?.cancel();
          return [name, res.status] as const;
        }),
      );
      for (const [name, status] of answers) {
        if (!seen.has(name)) seen.set(name, new Set());
        seen.get(name)!.add(status);
        expect(status, `${name} in wave ${wave}`).toBeLessThan(500);
      }
    }
    // Every kind of request ran, and the load exercised successes as well as refusals.
    expect([...seen.keys()].sort()).toEqual(names.sort());
    expect([...seen.values()].some((statuses) => [...statuses].some((s) => s >= 400))).toBe(true);
    const rows = await env.DB.prepare("SELECT r2_key FROM binaries WHERE tenant = 'load'").all<{ r2_key: string }>();
    for (const row of rows.results) expect(await env.BUCKET.head(row.r2_key), row.r2_key).not.toBeNull();
  }, 120_000);
});
