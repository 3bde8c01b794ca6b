import { applyD1Migrations, createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { type BindingCall, proxyD1 } from "../bindings-proxy";
import { BASE, r2KeyOf, randomBytes, seedUser, shardOf, upload } from "../helpers";

/**
 * D1 read replication (docs/api.md#read-replicas-and-bookmarks). Local D1 has no replicas, so a
 * lagging one is played by a second database (`STALE_REPLICA`) that only has what a test copies
 * into it: sessions that may read from a replica read SELECTs from it, everything else (writes,
 * and the "first-primary" session) goes to the real database.
 */

const isRead = (sql: string) => /^\s*(select|with)\b/i.test(sql);

function laggingSession(primary: D1DatabaseSession, replica: D1Database): D1DatabaseSession {
  return {
    prepare: (sql: string) => (isRead(sql) ? replica.prepare(sql) : primary.prepare(sql)),
    batch: (statements: D1PreparedStatement[]) => primary.batch(statements),
    getBookmark: () => primary.getBookmark(),
  } as D1DatabaseSession;
}

/** A D1 binding whose replica sessions read from `replica` while the primary has moved on. */
function withLaggingReplica(primary: D1Database, replica: D1Database): D1Database {
  return new Proxy(primary, {
    get(target, prop) {
      if (prop === "withSession") {
        return (constraint?: string) => {
          const session = target.withSession(constraint);
          return constraint === "first-primary" ? session : laggingSession(session, replica);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function send(path: string, init: RequestInit, d1: D1Database): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${BASE}${path}`, init), { ...env, DB: d1 } as Env, ctx);
  const copy = new Response(await res.arrayBuffer(), res);
  await waitOnExecutionContext(ctx);
  return copy;
}

/** Copies a tenant's rows from the primary into the replica: the replica's state "now". */
async function replicate(tenant: string): Promise<void> {
  for (const table of ["tenants", "users", "binaries"]) {
    const column = table === "tenants" ? "id" : "tenant";
    const { results } = await env.DB.prepare(`SELECT * FROM ${table} WHERE ${column} = ?`)
      .bind(tenant)
      .all<Record<string, unknown>>();
    for (const row of results) {
      const names = Object.keys(row);
      await env.STALE_REPLICA.prepare(
        `INSERT OR REPLACE INTO ${table} (${names.join(", ")}) VALUES (${names.map(() => "?").join(", ")})`,
      )
        .bind(...names.map((name) => row[name]))
        .run();
    }
  }
}

/** The D1 session each round trip went to, in order. */
const sessionsOf = (calls: BindingCall[]) => calls.flatMap((call) => (call.kind === "d1" ? [call.session] : []));

let admin: string;
beforeAll(async () => {
  await applyD1Migrations(env.STALE_REPLICA, env.TEST_MIGRATIONS);
  admin = await seedUser("rr", "admin");
  // The first tenant of this file lands on shard 0 (the least-loaded shard, lowest number on a tie),
  // the database whose replica these tests play.
  expect((await shardOf("rr")).no).toBe(0);
  await replicate("rr");
});

describe("reads from a lagging replica", () => {
  it("a binary the replica has not seen yet is found on the primary (one extra round trip, only then)", async () => {
    const mo = await upload(admin, "new.bin", "just written");
    const calls: BindingCall[] = [];
    const d1 = proxyD1(withLaggingReplica(env.DB, env.STALE_REPLICA), (call) => void calls.push(call));
    const res = await send(`/inventory/binaries/${mo.id}`, { headers: { Authorization: admin } }, d1);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("just written");
    expect(sessionsOf(calls)).toEqual(["first-unconstrained", "first-primary"]);

    await replicate("rr");
    calls.length = 0;
    expect((await send(`/inventory/binaries/${mo.id}`, { headers: { Authorization: admin } }, d1)).status).toBe(200);
    expect(sessionsOf(calls)).toEqual(["first-unconstrained"]);
  });

  it("a replica's row from before a replace names an R2 object that is gone: the primary's row is served", async () => {
    const mo = await upload(admin, "fw.bin", "version 1");
    await replicate("rr");
    const oldKey = await r2KeyOf("rr", mo.id);
    const replaced = await send(
      `/inventory/binaries/${mo.id}`,
      { method: "PUT", body: "version 2", headers: { Authorization: admin } },
      env.DB,
    );
    expect(replaced.status).toBe(201);
    expect(await env.BUCKET.head(oldKey)).toBeNull();
    const res = await send(
      `/inventory/binaries/${mo.id}`,
      { headers: { Authorization: admin } },
      withLaggingReplica(env.DB, env.STALE_REPLICA),
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("version 2");
    expect(res.headers.get("ETag")).toBe(replaced.headers.get("ETag"));
  });

  it("a deleted binary stays 404 even when the replica still has its row", async () => {
    const mo = await upload(admin, "gone.bin", randomBytes(100));
    await replicate("rr");
    expect(
      (await send(`/inventory/binaries/${mo.id}`, { method: "DELETE", headers: { Authorization: admin } }, env.DB))
        .status,
    ).toBe(204);
    const res = await send(
      `/inventory/binaries/${mo.id}`,
      { headers: { Authorization: admin } },
      withLaggingReplica(env.DB, env.STALE_REPLICA),
    );
    expect(res.status).toBe(404);
  });

  it("a replace or delete checks If-Match against the primary's row, not a replica's older one", async () => {
    const mo = await upload(admin, "cas.bin", "one");
    await replicate("rr");
    const second = await send(
      `/inventory/binaries/${mo.id}`,
      { method: "PUT", body: "two", headers: { Authorization: admin } },
      env.DB,
    );
    const etag = second.headers.get("ETag")!;
    const lagging = withLaggingReplica(env.DB, env.STALE_REPLICA);
    const third = await send(
      `/inventory/binaries/${mo.id}`,
      { method: "PUT", body: "three", headers: { Authorization: admin, "If-Match": etag } },
      lagging,
    );
    expect(third.status).toBe(201);
    const stale = await send(
      `/inventory/binaries/${mo.id}`,
      { method: "DELETE", headers: { Authorization: admin, "If-Match": etag } },
      lagging,
    );
    expect(stale.status).toBe(412);
    const current = third.headers.get("ETag")!;
    const deleted = await send(
      `/inventory/binaries/${mo.id}`,
      { method: "DELETE", headers: { Authorization: admin, "If-Match": current } },
      lagging,
    );
    expect(deleted.status).toBe(204);
  });

  it("a user created moments ago can log in although the replica has not seen the user", async () => {
    const fresh = await seedUser("rr", "brand-new");
    const res = await send(
      "/inventory/binaries",
      { headers: { Authorization: fresh } },
      withLaggingReplica(env.DB, env.STALE_REPLICA),
    );
    expect(res.status).toBe(200);
  });
});

describe("bookmarks", () => {
  // `{shard}:{D1 bookmark}` (issue 19): this file's tenant is on shard 0 (binding DB).
  const BOOKMARK = /^0:[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

  it("answers that used D1 carry the session's bookmark; a bookmark sent back starts the next session", async () => {
    const calls: BindingCall[] = [];
    const d1 = proxyD1(env.DB, (call) => void calls.push(call));
    const created = await send("/inventory/binaries", { headers: { Authorization: admin } }, d1);
    const bookmark = created.headers.get("X-D1-Bookmark");
    expect(bookmark).toMatch(BOOKMARK);
    calls.length = 0;
    const next = await send(
      "/inventory/binaries",
      { headers: { Authorization: admin, "X-D1-Bookmark": bookmark! } },
      d1,
    );
    expect(next.status).toBe(200);
    expect(sessionsOf(calls)).toEqual([bookmark!.slice(2)]);
    expect(next.headers.get("X-D1-Bookmark")! >= bookmark!).toBe(true);
  });

  it("a malformed bookmark is ignored (the session starts unconstrained), never an error", async () => {
    const calls: BindingCall[] = [];
    const d1 = proxyD1(env.DB, (call) => void calls.push(call));
    for (const junk of [
      "garbage",
      "ffffffff-ffffffff",
      "0".repeat(500),
      "00000000-00000001-00000000-0000000000000000000000000000000G",
    ]) {
      calls.length = 0;
      const res = await send("/inventory/binaries", { headers: { Authorization: admin, "X-D1-Bookmark": junk } }, d1);
      expect(res.status).toBe(200);
      expect(sessionsOf(calls)).toEqual(["first-unconstrained"]);
    }
  });

  it("a request that never touches D1 (a signed link) sends no bookmark", async () => {
    const mo = await upload(admin, "l.bin", "linked");
    const minted = await send(
      `/inventory/binaries/${mo.id}/links`,
      { method: "POST", headers: { Authorization: admin } },
      env.DB,
    );
    const { url } = await minted.json<{ url: string }>();
    const res = await send(new URL(url).pathname + new URL(url).search, {}, env.DB);
    expect(res.status).toBe(200);
    expect(res.headers.get("X-D1-Bookmark")).toBeNull();
  });
});
