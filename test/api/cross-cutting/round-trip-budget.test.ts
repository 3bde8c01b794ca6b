import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import benchmarksDoc from "../../../docs/benchmarks.md?raw";
import { forgetCachedLogins } from "../../../src/auth/authenticate";
import { mintLink } from "../../../src/binaries/links";
import { readConfig } from "../../../src/config";
import { findBinary } from "../../../src/db/binaries";
import { forgetUsageHints } from "../../../src/db/usage-hints";
import worker from "../../../src/index";
import { forgetPlacement } from "../../../src/shards/routing";
import { type BindingCall, proxyD1, proxyR2 } from "../../bindings-proxy";
import { BASE, basic, chunkedStream, db, multipartBody, randomBytes, seedUser, shardOf, upload } from "../../helpers";

/**
 * The round-trip budget (docs/benchmarks.md "Round-trip budget"): what each endpoint and case costs
 * in D1 round trips (a batch is one), D1 statements (each member of a batch counts), R2 operations
 * and PBKDF2 runs, counted on the real bindings by wrappers. The counts are exact: a change that
 * costs more fails here, and one that costs less must update this table and the doc.
 * Long because: the budget is one table, and every endpoint's test (the directory's too) is held to it here.
 */

interface Cost {
  d1: number;
  statements: number;
  r2: number;
  pbkdf2: number;
}

const BUDGET: Record<string, Cost> = {
  // Cold login: [admit the attempt, look the user up] in one batch, PBKDF2, clear the attempt; then the row.
  "GET binary, cold login": { d1: 3, statements: 4, r2: 1, pbkdf2: 1 },
  "GET binary, warm login": { d1: 1, statements: 1, r2: 1, pbkdf2: 0 },
  // Wrong password: the same batch, PBKDF2, the failure counted (attempts in flight are no failures), then
  // the 401 reads the directory again (has the tenant moved?).
  "GET binary, wrong password": { d1: 3, statements: 4, r2: 0, pbkdf2: 1 },
  // A tenant the directory does not know (its one read): refused after the same PBKDF2, nothing written.
  "GET binary, login naming an unknown tenant": { d1: 1, statements: 1, r2: 0, pbkdf2: 1 },
  "GET binary, edge-cache hit": { d1: 1, statements: 1, r2: 0, pbkdf2: 0 },
  "GET binary, 304": { d1: 1, statements: 1, r2: 0, pbkdf2: 0 },
  "HEAD binary": { d1: 1, statements: 1, r2: 0, pbkdf2: 0 },
  "GET binary, Range, not cached": { d1: 1, statements: 1, r2: 1, pbkdf2: 0 },
  "GET binary, Range, cached": { d1: 1, statements: 1, r2: 0, pbkdf2: 0 },
  "POST links (mint)": { d1: 1, statements: 1, r2: 0, pbkdf2: 0 },
  "signed link, edge-cache miss": { d1: 0, statements: 0, r2: 1, pbkdf2: 0 },
  "signed link, edge-cache hit": { d1: 0, statements: 0, r2: 0, pbkdf2: 0 },
  "signed link, Range, cached": { d1: 0, statements: 0, r2: 0, pbkdf2: 0 },
  "signed link, HEAD or 304, cached": { d1: 0, statements: 0, r2: 0, pbkdf2: 0 },
  "signed link, HEAD or 304, not cached": { d1: 0, statements: 0, r2: 1, pbkdf2: 0 },
  "signed link, tampered or expired": { d1: 0, statements: 0, r2: 0, pbkdf2: 0 },
  "POST binary (upload, small file)": { d1: 1, statements: 2, r2: 1, pbkdf2: 0 },
  "POST binary, client shape (file first, no filesize, chunked), 1 MB": { d1: 1, statements: 2, r2: 1, pbkdf2: 0 },
  "POST binary, chunked, one byte less than a part": { d1: 1, statements: 2, r2: 1, pbkdf2: 0 },
  "POST binary, chunked, one byte more than a part": { d1: 2, statements: 4, r2: 4, pbkdf2: 0 },
  "PUT binary (replace)": { d1: 2, statements: 2, r2: 2, pbkdf2: 0 },
  "PUT binary, chunked, 1 MB": { d1: 2, statements: 2, r2: 2, pbkdf2: 0 },
  "DELETE binary": { d1: 2, statements: 2, r2: 1, pbkdf2: 0 },
  "GET binaries (list page)": { d1: 1, statements: 1, r2: 0, pbkdf2: 0 },
  // Token login: [count, look up] in one batch, PBKDF2, clear the count, insert the session row.
  "POST /tenant/oauth/token (login)": { d1: 3, statements: 4, r2: 0, pbkdf2: 1 },
  // A token this isolate has not seen: its session row joined with its user (one statement), then the row.
  "GET binary, token, cold isolate": { d1: 2, statements: 2, r2: 1, pbkdf2: 0 },
  "GET binary, token, warm": { d1: 1, statements: 1, r2: 1, pbkdf2: 0 },
  // Usage and quotas (docs/api.md#usage-and-quotas): usage is kept by triggers inside the write's own
  // statements and the quota is a condition of them, so a tenant with a quota costs what any tenant costs
  // while this isolate's hints (fed by the login's own lookup) say the write fits.
  "GET binary, tenant with a quota": { d1: 1, statements: 1, r2: 1, pbkdf2: 0 },
  "POST binary, tenant with a quota": { d1: 1, statements: 2, r2: 1, pbkdf2: 0 },
  "PUT binary, tenant with a quota": { d1: 2, statements: 2, r2: 2, pbkdf2: 0 },
  "DELETE binary, tenant with a quota": { d1: 2, statements: 2, r2: 1, pbkdf2: 0 },
  // A write that could cross the quota as far as this isolate knows (or whose tenant it knows nothing
  // of: hints evicted) reads the usage before its first byte.
  "POST binary, tenant with a quota, no hint in this isolate": { d1: 2, statements: 3, r2: 1, pbkdf2: 0 },
  "POST binary over the quota, held within a part": { d1: 1, statements: 1, r2: 0, pbkdf2: 0 },
  // A cold isolate: the cold login's lookup reads the usage too; the read before the bytes confirms.
  "POST binary over the quota, filesize, cold login": { d1: 3, statements: 4, r2: 0, pbkdf2: 1 },
  // Refused at commit (another isolate lowered the quota): the failed batch, then why (swept? the
  // usage), then the bytes are deleted.
  "POST binary over the quota, unseen by this isolate": { d1: 3, statements: 4, r2: 2, pbkdf2: 0 },
  // A PUT with Content-Length reads its row and the tenant's usage in one batch: over the quota it is
  // refused before any byte is stored.
  "PUT binary with Content-Length": { d1: 2, statements: 3, r2: 2, pbkdf2: 0 },
  "PUT binary over the quota, length known": { d1: 1, statements: 2, r2: 0, pbkdf2: 0 },
  "GET /tenant/statistics/summary": { d1: 1, statements: 1, r2: 0, pbkdf2: 0 },
};

let calls: BindingCall[] = [];
const record = (call: BindingCall) => {
  calls.push(call);
};
// A warm login is re-checked against its user row after AUTH_RECHECK_SECONDS (one more statement,
// docs/api.md#authentication-and-login-throttle); an hour keeps that out of these counts however slowly the tests run.
// Every shard and every region's bucket is counted (issue 19): a tenant may live on any of them.
let directoryStatements = 0;
const instrumented = {
  ...env,
  AUTH_RECHECK_SECONDS: "3600",
  DB: proxyD1(env.DB, (call) => {
    if (call.kind === "d1" && call.statements.some((sql) => sql.includes('"tenant_directory"'))) directoryStatements++;
    record(call);
  }),
  DB_EU1: proxyD1(env.DB_EU1, record),
  DB_US2: proxyD1(env.DB_US2, record),
  BUCKET: proxyR2(env.BUCKET, record),
  BUCKET_EU: proxyR2(env.BUCKET_EU, record),
} as Env;
const deriveBits = vi.spyOn(crypto.subtle, "deriveBits");

function costOf(): Cost {
  const d1 = calls.filter((call) => call.kind === "d1");
  const pbkdf2 = deriveBits.mock.calls.filter(
    ([algorithm]) => (algorithm as { name?: string }).name === "PBKDF2",
  ).length;
  return {
    d1: d1.length,
    statements: d1.reduce((n, call) => n + call.statements.length, 0),
    r2: calls.filter((call) => call.kind === "r2").length,
    pbkdf2,
  };
}

/** Sends one request through the worker with counting bindings; the body is read and background work awaited. */
async function measure(path: string, init: RequestInit = {}): Promise<{ res: Response; body: Uint8Array; cost: Cost }> {
  calls = [];
  directoryStatements = 0;
  deriveBits.mockClear();
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(path.startsWith("http") ? path : `${BASE}${path}`, init),
    instrumented,
    ctx,
  );
  const body = new Uint8Array(await res.arrayBuffer());
  await waitOnExecutionContext(ctx);
  return { res, body, cost: costOf() };
}

let admin: string;
let users = 0;
/** A login never seen by this isolate, so its first request is a cold login. */
async function freshLogin(): Promise<string> {
  users += 1;
  return seedUser("rt", `device-${users}`);
}

beforeAll(async () => {
  admin = await seedUser("rt", "admin");
  await measure("/inventory/binaries", { headers: { Authorization: admin } }); // warm the admin's login
});
afterAll(() => deriveBits.mockRestore());

describe("round-trip budget of downloads", () => {
  it("a download costs one D1 statement with a warm login; a cold login adds the lookups and one PBKDF2", async () => {
    const a = await upload(admin, "a.bin", randomBytes(2000, 1));
    const b = await upload(admin, "b.bin", randomBytes(2000, 2));
    const device = await freshLogin();
    const cold = await measure(`/inventory/binaries/${a.id}`, { headers: { Authorization: device } });
    expect(cold.res.status).toBe(200);
    expect(cold.body).toEqual(randomBytes(2000, 1));
    expect(cold.cost).toEqual(BUDGET["GET binary, cold login"]);
    const warm = await measure(`/inventory/binaries/${b.id}`, { headers: { Authorization: device } });
    expect(warm.res.headers.get("X-Edge-Cache")).toBe("miss");
    expect(warm.cost).toEqual(BUDGET["GET binary, warm login"]);
    const hit = await measure(`/inventory/binaries/${b.id}`, { headers: { Authorization: device } });
    expect(hit.res.headers.get("X-Edge-Cache")).toBe("hit");
    expect(hit.body).toEqual(randomBytes(2000, 2));
    expect(hit.cost).toEqual(BUDGET["GET binary, edge-cache hit"]);
    const wrong = await measure(`/inventory/binaries/${a.id}`, {
      headers: { Authorization: basic(`rt/device-${users}`, "wrong-password") },
    });
    expect(wrong.res.status).toBe(401);
    expect(wrong.cost).toEqual(BUDGET["GET binary, wrong password"]);
    const nobody = { headers: { Authorization: basic("rt-nobody/admin", "secret-password") } };
    await measure(`/inventory/binaries/${a.id}`, nobody); // the isolate's dummy hash is made once (one more PBKDF2)
    const unknown = await measure(`/inventory/binaries/${a.id}`, nobody);
    expect(unknown.res.status).toBe(401);
    expect(unknown.cost).toEqual(BUDGET["GET binary, login naming an unknown tenant"]);
  });

  it("304, HEAD and Range", async () => {
    const mo = await upload(admin, "c.bin", randomBytes(3000, 3));
    const etag = `"${mo._attachments["c.bin"].digest.slice(4)}"`;
    const notModified = await measure(`/inventory/binaries/${mo.id}`, {
      headers: { Authorization: admin, "If-None-Match": etag },
    });
    expect(notModified.res.status).toBe(304);
    expect(notModified.cost).toEqual(BUDGET["GET binary, 304"]);
    const head = await measure(`/inventory/binaries/${mo.id}`, { method: "HEAD", headers: { Authorization: admin } });
    expect(head.res.status).toBe(200);
    expect(head.cost).toEqual(BUDGET["HEAD binary"]);
    const range = await measure(`/inventory/binaries/${mo.id}`, {
      headers: { Authorization: admin, Range: "bytes=10-19" },
    });
    expect(range.res.status).toBe(206);
    expect(range.body).toEqual(randomBytes(3000, 3).slice(10, 20));
    expect(range.cost).toEqual(BUDGET["GET binary, Range, not cached"]);
    await measure(`/inventory/binaries/${mo.id}`, { headers: { Authorization: admin } }); // fills the edge cache
    const cachedRange = await measure(`/inventory/binaries/${mo.id}`, {
      headers: { Authorization: admin, Range: "bytes=2990-" },
    });
    expect(cachedRange.res.status).toBe(206);
    expect(cachedRange.res.headers.get("X-Edge-Cache")).toBe("hit");
    expect(cachedRange.res.headers.get("Content-Range")).toBe("bytes 2990-2999/3000");
    expect(cachedRange.body).toEqual(randomBytes(3000, 3).slice(2990));
    expect(cachedRange.cost).toEqual(BUDGET["GET binary, Range, cached"]);
  });
});

describe("round-trip budget of the tenant directory (issue 19)", () => {
  it("a warm request pays no directory read; an isolate that has not seen the tenant pays one, once", async () => {
    const a = await upload(admin, "dir.bin", randomBytes(100, 7));
    // Tenants in this file sit on different shards; this one's placement is forgotten as in a fresh isolate.
    const elsewhere = await seedUser("rt-other", "device");
    expect((await shardOf("rt-other")).no).not.toBe((await shardOf("rt")).no);
    await measure("/inventory/binaries", { headers: { Authorization: elsewhere } });
    forgetPlacement("rt");
    const first = await measure(`/inventory/binaries/${a.id}`, { headers: { Authorization: admin } });
    expect(first.res.status).toBe(200);
    expect(directoryStatements).toBe(1);
    const warm = BUDGET["GET binary, warm login"]!;
    expect(first.cost).toEqual({ ...warm, d1: warm.d1 + 1, statements: warm.statements + 1 });
    const again = await measure(`/inventory/binaries/${a.id}`, { headers: { Authorization: admin } });
    expect(directoryStatements).toBe(0);
    expect(again.cost).toEqual(BUDGET["GET binary, edge-cache hit"]);
    const other = await measure("/inventory/binaries", { headers: { Authorization: elsewhere } });
    expect(directoryStatements).toBe(0);
    expect(other.cost).toEqual(BUDGET["GET binaries (list page)"]);
  });
});

describe("round-trip budget of signed links", () => {
  it("minting costs the row read; fetching costs no D1, no PBKDF2, and nothing from the edge cache", async () => {
    const mo = await upload(admin, "fw.bin", randomBytes(5000, 5));
    const minted = await measure(`/inventory/binaries/${mo.id}/links`, {
      method: "POST",
      headers: { Authorization: admin },
    });
    expect(minted.res.status).toBe(201);
    expect(minted.cost).toEqual(BUDGET["POST links (mint)"]);
    const { url } = JSON.parse(new TextDecoder().decode(minted.body)) as { url: string };

    const head = await measure(url, { method: "HEAD" });
    expect(head.res.status).toBe(200);
    expect(head.cost).toEqual(BUDGET["signed link, HEAD or 304, not cached"]);
    const miss = await measure(url);
    expect(miss.res.status).toBe(200);
    expect(miss.body).toEqual(randomBytes(5000, 5));
    expect(miss.cost).toEqual(BUDGET["signed link, edge-cache miss"]);
    const hit = await measure(url);
    expect(hit.res.headers.get("X-Edge-Cache")).toBe("hit");
    expect(hit.body).toEqual(randomBytes(5000, 5));
    expect(hit.cost).toEqual(BUDGET["signed link, edge-cache hit"]);
    const range = await measure(url, { headers: { Range: "bytes=0-99" } });
    expect(range.res.status).toBe(206);
    expect(range.body).toEqual(randomBytes(5000, 5).slice(0, 100));
    expect(range.cost).toEqual(BUDGET["signed link, Range, cached"]);
    const etag = hit.res.headers.get("ETag")!;
    const notModified = await measure(url, { headers: { "If-None-Match": etag } });
    expect(notModified.res.status).toBe(304);
    expect(notModified.cost).toEqual(BUDGET["signed link, HEAD or 304, cached"]);
  });

  it("a tampered or expired link is refused before any storage is touched", async () => {
    const mo = await upload(admin, "t.bin", "secret bytes");
    const row = (await findBinary(db(), "rt", Number(mo.id)))!;
    const keys = readConfig(env).linkKeys;
    const good = new URL((await mintLink(row, BASE, 3600, keys)).url);
    const tampered = new URL(good);
    tampered.searchParams.set("tenant", "other");
    const forged = await measure(tampered.href);
    expect(forged.res.status).toBe(403);
    expect(forged.cost).toEqual(BUDGET["signed link, tampered or expired"]);
    const expired = await measure((await mintLink(row, BASE, 60, keys, Date.now() - 120_000)).url);
    expect(expired.res.status).toBe(403);
    expect(expired.cost).toEqual(BUDGET["signed link, tampered or expired"]);
  });
});

describe("round-trip budget of writes", () => {
  it("an upload commits in one D1 round trip after its bytes; replace and delete read the row first", async () => {
    const device = await freshLogin();
    await measure("/inventory/binaries", { headers: { Authorization: device } }); // warm login
    const { body, contentType } = multipartBody([
      { name: "object", value: '{"name":"u.bin","type":"t"}' },
      { name: "file", value: randomBytes(1000, 9), filename: "u.bin" },
    ]);
    const created = await measure("/inventory/binaries", {
      method: "POST",
      body,
      headers: { Authorization: admin, "Content-Type": contentType, Accept: "application/json" },
    });
    expect(created.res.status).toBe(201);
    expect(created.cost).toEqual(BUDGET["POST binary (upload, small file)"]);
    const { id } = JSON.parse(new TextDecoder().decode(created.body)) as { id: string };
    const replaced = await measure(`/inventory/binaries/${id}`, {
      method: "PUT",
      body: "new bytes",
      headers: { Authorization: admin },
    });
    expect(replaced.res.status).toBe(201);
    expect(replaced.cost).toEqual(BUDGET["PUT binary (replace)"]);
    const deleted = await measure(`/inventory/binaries/${id}`, { method: "DELETE", headers: { Authorization: admin } });
    expect(deleted.res.status).toBe(204);
    expect(deleted.cost).toEqual(BUDGET["DELETE binary"]);
    const list = await measure("/inventory/binaries?pageSize=5", { headers: { Authorization: admin } });
    expect(list.res.status).toBe(200);
    expect(list.cost).toEqual(BUDGET["GET binaries (list page)"]);
  });
});

describe("round-trip budget of usage and quotas", () => {
  it("a quota adds nothing to downloads and uploads; a refusal costs the checks that explain it", async () => {
    const owner = await seedUser("rtq", "admin");
    await env.DB.prepare(
      "INSERT INTO tenant_usage (tenant, storage_quota) VALUES ('rtq', 100000) " +
        "ON CONFLICT (tenant) DO UPDATE SET storage_quota = 100000",
    ).run();
    await measure("/inventory/binaries", { headers: { Authorization: owner } }); // warm login
    const { body, contentType } = multipartBody([
      { name: "object", value: '{"name":"q.bin","type":"c8y_Firmware"}' },
      { name: "file", value: randomBytes(60_000, 21), filename: "q.bin" },
    ]);
    const created = await measure("/inventory/binaries", {
      method: "POST",
      body,
      headers: { Authorization: owner, "Content-Type": contentType, Accept: "application/json" },
    });
    expect(created.res.status).toBe(201);
    expect(created.cost).toEqual(BUDGET["POST binary, tenant with a quota"]);
    const { id } = JSON.parse(new TextDecoder().decode(created.body)) as { id: string };
    const got = await measure(`/inventory/binaries/${id}`, { headers: { Authorization: owner } });
    expect(got.res.status).toBe(200);
    expect(got.cost).toEqual(BUDGET["GET binary, tenant with a quota"]);
    const replaced = await measure(`/inventory/binaries/${id}`, {
      method: "PUT",
      body: randomBytes(70_000, 22),
      headers: { Authorization: owner },
    });
    expect(replaced.res.status).toBe(201);
    expect(replaced.cost).toEqual(BUDGET["PUT binary, tenant with a quota"]);
    /** A POST of `size` bytes: chunked without filesize, or with a filesize part before the file. */
    const postFile = (size: number, seed: number, shape: "chunked" | "filesize" | "plain") => {
      const { body, contentType } = multipartBody([
        { name: "object", value: '{"name":"q2.bin","type":"c8y_Firmware"}' },
        ...(shape === "filesize" ? [{ name: "filesize", value: String(size) }] : []),
        { name: "file", value: randomBytes(size, seed), filename: "q2.bin" },
      ]);
      return measure("/inventory/binaries", {
        method: "POST",
        body: shape === "chunked" ? chunkedStream(body) : body,
        headers: { Authorization: owner, "Content-Type": contentType, Accept: "application/json" },
      });
    };
    const refused = await postFile(40_000, 23, "chunked");
    expect(refused.res.status).toBe(413);
    expect(refused.cost).toEqual(BUDGET["POST binary over the quota, held within a part"]);
    forgetUsageHints();
    const close = await postFile(29_000, 26, "plain");
    expect(close.res.status).toBe(201);
    expect(close.cost).toEqual(BUDGET["POST binary, tenant with a quota, no hint in this isolate"]);
    const nearId = (JSON.parse(new TextDecoder().decode(close.body)) as { id: string }).id;
    await measure(`/inventory/binaries/${nearId}`, { method: "DELETE", headers: { Authorization: owner } });
    forgetCachedLogins("rtq");
    forgetUsageHints();
    const cold = await postFile(40_000, 27, "filesize");
    expect(cold.res.status).toBe(413);
    expect(cold.cost).toEqual(BUDGET["POST binary over the quota, filesize, cold login"]);
    // Another isolate lowers the quota; this one still holds its hint (100,000) and finds out at commit.
    await env.DB.prepare("UPDATE tenant_usage SET storage_quota = 80000 WHERE tenant = 'rtq'").run();
    const unseen = await postFile(20_000, 28, "plain");
    expect(unseen.res.status).toBe(413);
    expect(unseen.cost).toEqual(BUDGET["POST binary over the quota, unseen by this isolate"]);
    await env.DB.prepare("UPDATE tenant_usage SET storage_quota = 100000 WHERE tenant = 'rtq'").run();
    const sized = await measure(`/inventory/binaries/${id}`, {
      method: "PUT",
      body: randomBytes(71_000, 25),
      headers: { Authorization: owner, "Content-Length": "71000" },
    });
    expect(sized.res.status).toBe(201);
    expect(sized.cost).toEqual(BUDGET["PUT binary with Content-Length"]);
    const early = await measure(`/inventory/binaries/${id}`, {
      method: "PUT",
      body: randomBytes(200_000, 24),
      headers: { Authorization: owner, "Content-Length": "200000" },
    });
    expect(early.res.status).toBe(413);
    expect(early.cost).toEqual(BUDGET["PUT binary over the quota, length known"]);
    const stats = await measure("/tenant/statistics/summary", { headers: { Authorization: owner } });
    expect(stats.res.status).toBe(200);
    expect(stats.cost).toEqual(BUDGET["GET /tenant/statistics/summary"]);
    const deleted = await measure(`/inventory/binaries/${id}`, { method: "DELETE", headers: { Authorization: owner } });
    expect(deleted.res.status).toBe(204);
    expect(deleted.cost).toEqual(BUDGET["DELETE binary, tenant with a quota"]);
  });
});

describe("round-trip budget of token logins", () => {
  it("PBKDF2 only at login; a token download costs its row (warm) plus the session re-check (cold)", async () => {
    await seedUser("rt", "token-device");
    const a = await upload(admin, "ta.bin", randomBytes(1500, 11));
    const b = await upload(admin, "tb.bin", randomBytes(1500, 12));
    const login = await measure("/tenant/oauth/token?tenant_id=rt", {
      method: "POST",
      body: "grant_type=PASSWORD&username=token-device&password=secret-password&tfa_code=undefined",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(login.res.status).toBe(200);
    expect(login.cost).toEqual(BUDGET["POST /tenant/oauth/token (login)"]);
    const { access_token: token } = JSON.parse(new TextDecoder().decode(login.body)) as { access_token: string };
    const cold = await measure(`/inventory/binaries/${a.id}`, { headers: { Authorization: `Bearer ${token}` } });
    expect(cold.res.status).toBe(200);
    expect(cold.body).toEqual(randomBytes(1500, 11));
    expect(cold.cost).toEqual(BUDGET["GET binary, token, cold isolate"]);
    const warm = await measure(`/inventory/binaries/${b.id}`, { headers: { Authorization: `Bearer ${token}` } });
    expect(warm.res.status).toBe(200);
    expect(warm.res.headers.get("X-Edge-Cache")).toBe("miss");
    expect(warm.cost).toEqual(BUDGET["GET binary, token, warm"]);
  });
});

describe("round-trip budget of uploads of unknown length", () => {
  // docs/api.md#upload-post: the first part is buffered, so a file that ends within it is one plain R2 put.
  const PART = Number(readConfig(env).partSize);
  async function chunkedPost(size: number) {
    const { body, contentType } = multipartBody([
      { name: "file", value: randomBytes(size, size % 251), filename: "bin", contentType: "application/octet-stream" },
      { name: "object", value: '{"name":"c.bin","type":"c8y_Firmware"}' },
    ]);
    const created = await measure("/inventory/binaries", {
      method: "POST",
      body: chunkedStream(body, 64 * 1024),
      headers: { Authorization: admin, "Content-Type": contentType, Accept: "application/json" },
    });
    expect(created.res.status).toBe(201);
    return created;
  }

  it("the official client's shape of 1 MB is one R2 put, read back as a plain object", async () => {
    const created = await chunkedPost(1_000_000);
    expect(created.cost).toEqual(BUDGET["POST binary, client shape (file first, no filesize, chunked), 1 MB"]);
    const { id } = JSON.parse(new TextDecoder().decode(created.body)) as { id: string };
    const row = await findBinary(db(), "rt", Number(id));
    const object = await env.BUCKET.head(row!.r2Key);
    expect(object?.checksums.md5).toBeDefined(); // a plain put: R2 has its MD5 (multipart objects have none)
    const replaced = await measure(`/inventory/binaries/${id}`, {
      method: "PUT",
      body: chunkedStream(randomBytes(1_000_000, 5), 64 * 1024),
      headers: { Authorization: admin },
    });
    expect(replaced.res.status).toBe(201);
    expect(replaced.cost).toEqual(BUDGET["PUT binary, chunked, 1 MB"]);
  });

  it("one byte less than a part is one put; one byte more is a multipart upload", async () => {
    expect((await chunkedPost(PART - 1)).cost).toEqual(BUDGET["POST binary, chunked, one byte less than a part"]);
    expect((await chunkedPost(PART + 1)).cost).toEqual(BUDGET["POST binary, chunked, one byte more than a part"]);
  });
});

describe("the budget table in docs/benchmarks.md", () => {
  it("lists exactly these costs", () => {
    for (const [name, cost] of Object.entries(BUDGET)) {
      const row = `| ${name} | ${cost.d1} | ${cost.statements} | ${cost.r2} | ${cost.pbkdf2} |`;
      expect(benchmarksDoc, `docs/benchmarks.md misses the row: ${row}`).toContain(row);
    }
  });
});
