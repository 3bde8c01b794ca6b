import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import worker from "../../../src/index";
import type { RequestRecord } from "../../../src/observability/request-log";
import { BASE, basic, call, chunkedStream, multipartBody, randomBytes, seedUser, upload } from "../../helpers";
import { FORM_TYPE, loginForm, tokenLogin } from "../../token-helpers";

/**
 * Item 4 and 5 of issue 20 (docs/api.md#request-ids-logs-and-metrics): an id on every answer and
 * error body, one JSON log line per request with what it cost, nothing secret in those lines, and one
 * Analytics Engine data point with the same fields.
 */

const PASSWORD = "Very-Secret-Pa55word!";
let logs: string[] = [];
const log = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
  logs.push(args.map(String).join(" "));
});
afterEach(() => {
  logs = [];
});

/** A request line as logged: the record of src/observability/request-log.ts under its message. */
type Line = RequestRecord & { msg: string };

/** The request lines logged so far. */
function requestLines(): Line[] {
  return logs.filter((l) => l.startsWith('{"msg":"request"')).map((l) => JSON.parse(l) as Line);
}

/** Sends a request through the worker with `bindings` over the test env, waiting for its background work. */
async function send(
  path: string,
  init: RequestInit = {},
  bindings: Partial<Env> = {},
): Promise<Response & { received: number }> {
  const ctx = createExecutionContext();
  // A warm login is re-checked after AUTH_RECHECK_SECONDS (one more statement); an hour keeps the counts exact.
  const res = await worker.fetch(
    new Request(`${BASE}${path}`, init),
    { ...env, AUTH_RECHECK_SECONDS: "3600", ...bindings } as Env,
    ctx,
  );
  const received = (await res.arrayBuffer()).byteLength;
  await waitOnExecutionContext(ctx);
  return Object.assign(res, { received });
}

let admin: string;
beforeAll(async () => {
  admin = await seedUser("story", "admin", undefined, PASSWORD);
});

describe("request ids", () => {
  it("every answer carries X-Request-Id, and every error body names it in details", async () => {
    const ok = await call("/inventory/binaries", { headers: { Authorization: admin } });
    const unauthorized = await call("/inventory/binaries", { headers: { Authorization: basic("story/admin", "x") } });
    const missing = await call("/inventory/binaries/999999", { headers: { Authorization: admin } });
    const noRoute = await call("/nothing/here", { headers: { Authorization: admin } });
    const preflight = await call("/inventory/binaries", {
      method: "OPTIONS",
      headers: { Origin: "https://app.example", "Access-Control-Request-Method": "POST" },
    });
    const badLink = await call("/links/binaries/1?tenant=story&exp=1&kid=test&sig=abc");
    const ids = new Set<string>();
    for (const res of [ok, unauthorized, missing, noRoute, preflight, badLink]) {
      const id = res.headers.get("X-Request-Id");
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      ids.add(id!);
    }
    expect(ids.size).toBe(6);
    await ok.arrayBuffer(); // a streamed list: its log line is written when its body has gone out
    for (const res of [unauthorized, missing, noRoute, badLink]) {
      const body = (await res.json()) as { details?: { requestId?: string }; error: string };
      expect(body.error).toMatch(/\//);
      expect(body.details?.requestId).toBe(res.headers.get("X-Request-Id"));
    }
    expect(ok.headers.get("Access-Control-Expose-Headers") ?? "").toMatch(/X-Request-Id/);
  });

  it("an incoming X-Request-Id is kept only from a trusted proxy, and only when it is harmless", async () => {
    const headers = {
      Authorization: admin,
      "X-Request-Id": "trace-0af7651916cd43dd",
      "CF-Connecting-IP": "203.0.113.7",
    };
    const untrusted = await send("/inventory/binaries", { headers });
    expect(untrusted.headers.get("X-Request-Id")).not.toBe("trace-0af7651916cd43dd");
    const trusted = await send(
      "/inventory/binaries",
      { headers },
      { REQUEST_ID_TRUSTED_PROXIES: "198.51.100.1, 203.0.113.7" },
    );
    expect(trusted.headers.get("X-Request-Id")).toBe("trace-0af7651916cd43dd");
    const otherAddress = await send(
      "/inventory/binaries",
      { headers: { ...headers, "CF-Connecting-IP": "192.0.2.9" } },
      { REQUEST_ID_TRUSTED_PROXIES: "203.0.113.7" },
    );
    expect(otherAddress.headers.get("X-Request-Id")).not.toBe("trace-0af7651916cd43dd");
    const unsafe = await send(
      "/inventory/binaries",
      { headers: { ...headers, "X-Request-Id": 'a" b\tc' } },
      { REQUEST_ID_TRUSTED_PROXIES: "*" },
    );
    expect(unsafe.headers.get("X-Request-Id")).toMatch(/^[0-9a-f-]{36}$/);
    const line = requestLines().find((l) => l.id === "trace-0af7651916cd43dd");
    expect(line?.status).toBe(200);
  });
});

describe("log lines", () => {
  it("one JSON line per request with its tenant, user, route, status, bytes, cost, cache and error", async () => {
    const mo = await upload(admin, "story.bin", randomBytes(4000, 7));
    logs = [];
    const first = await send(`/inventory/binaries/${mo.id}`, { headers: { Authorization: admin } });
    const second = await send(`/inventory/binaries/${mo.id}`, { headers: { Authorization: admin } });
    const missing = await send("/inventory/binaries/123456789", { headers: { Authorization: admin } });
    const ids = [first, second, missing].map((r) => r.headers.get("X-Request-Id"));
    const lines = requestLines().filter((l) => ids.includes(l.id));
    expect(lines).toHaveLength(3); // one line per request
    const [miss, hit, notFound] = lines as [Line, Line, Line];
    expect(miss).toMatchObject({
      id: first.headers.get("X-Request-Id"),
      method: "GET",
      route: "/inventory/binaries/:id",
      status: 200,
      tenant: "story",
      user: "admin",
      bytesIn: null,
      bytesOut: 4000,
      d1Statements: 1,
      d1RoundTrips: 1,
      r2Operations: 1,
      cache: "miss",
      error: null,
    });
    expect(miss.durationMs).toBeGreaterThanOrEqual(0);
    expect(hit).toMatchObject({
      id: second.headers.get("X-Request-Id"),
      cache: "hit",
      r2Operations: 0,
      bytesOut: 4000,
    });
    expect(notFound).toMatchObject({
      id: missing.headers.get("X-Request-Id"),
      status: 404,
      error: "inventory/Not Found",
      tenant: "story",
    });
  });

  it("an upload counts its batch, a chunked body is null in, a streamed list is counted out", async () => {
    const { body, contentType } = multipartBody([
      { name: "object", value: JSON.stringify({ name: "chunked.bin", type: "c8y_Firmware" }) },
      { name: "file", value: randomBytes(3000, 8), filename: "chunked.bin" },
    ]);
    logs = [];
    const res = await send("/inventory/binaries", {
      method: "POST",
      body: chunkedStream(body),
      headers: { Authorization: admin, "Content-Type": contentType },
    });
    expect(res.status).toBe(201);
    const list = await send("/inventory/binaries?pageSize=5", { headers: { Authorization: admin } });
    // By id: a line of an earlier test's unread (streamed) body may be written meanwhile, when it is cancelled.
    const lineOf = (r: Response) => requestLines().find((l) => l.id === r.headers.get("X-Request-Id")) as Line;
    const [post, get] = [lineOf(res), lineOf(list)];
    expect(post).toMatchObject({ route: "/inventory/binaries", bytesIn: null });
    // The round-trip budget of a chunked small upload (test/api/cross-cutting/round-trip-budget.test.ts): one batch
    // of two, one put.
    expect(post).toMatchObject({ d1Statements: 2, d1RoundTrips: 1, r2Operations: 1, status: 201 });
    expect(list.headers.get("Content-Length")).toBeNull(); // the list streams
    expect(get.bytesOut).toBe(list.received);
    expect(get.bytesOut).toBeGreaterThan(100);
  });

  it("no line holds a password, token, cookie, link signature or file name the test used", async () => {
    const secretName = "quarterly-salaries-2026.xlsx";
    const login = `story/admin`;
    const token = await tokenLogin("story", "admin", PASSWORD);
    const cookieRes = await call("/tenant/oauth?tenant_id=story", {
      method: "POST",
      body: loginForm("admin", PASSWORD),
      headers: { "Content-Type": FORM_TYPE },
    });
    const cookies = cookieRes.headers.getSetCookie().map((c) => c.split(";")[0]!.split("=")[1]!);
    const mo = await upload(admin, secretName, "top secret");
    const minted = await call(`/inventory/binaries/${mo.id}/links`, {
      method: "POST",
      headers: { Authorization: admin },
    });
    const { url } = (await minted.json()) as { url: string };
    const signature = [...new URL(url).searchParams.values()].sort((a, b) => b.length - a.length)[0]!;
    await call(new URL(url).pathname + new URL(url).search);
    await call(`/inventory/binaries/${mo.id}`, { headers: { Authorization: `Bearer ${token}` } });
    await call("/inventory/binaries", { headers: { Authorization: basic(login, "wrong-Pa55word-guess") } });
    await call(`/inventory/binaries?name=${encodeURIComponent(secretName)}`, { headers: { Authorization: admin } });
    const text = logs.join("\n");
    expect(requestLines().length).toBeGreaterThanOrEqual(7);
    const secrets = [
      PASSWORD,
      "wrong-Pa55word-guess",
      admin.slice("Basic ".length),
      basic(login, "wrong-Pa55word-guess").slice("Basic ".length),
      token,
      ...cookies,
      signature,
      secretName,
      encodeURIComponent(secretName),
    ];
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      expect(text).not.toContain(secret);
    }
  });
});

describe("metrics", () => {
  it("one data point per request, the log line's fields; without the binding nothing breaks", async () => {
    const points: AnalyticsEngineDataPoint[] = [];
    const METRICS = { writeDataPoint: (point: AnalyticsEngineDataPoint) => points.push(point) };
    const res = await send(
      "/inventory/binaries/987654",
      { headers: { Authorization: admin } },
      {
        METRICS: METRICS as AnalyticsEngineDataset,
      },
    );
    expect(points).toHaveLength(1);
    expect(points[0]).toEqual({
      indexes: ["story"],
      blobs: [
        "story",
        "admin",
        "GET",
        "/inventory/binaries/:id",
        "404",
        "inventory/Not Found",
        "",
        res.headers.get("X-Request-Id"),
        "",
      ],
      // A miss is read again on the primary (docs/api.md#read-replicas-and-bookmarks): 2 statements, 2 round trips.
      doubles: [expect.any(Number), 0, expect.any(Number), 2, 2, 0],
    });
    const without = await send(
      "/inventory/binaries",
      { headers: { Authorization: admin } },
      {
        METRICS: undefined as unknown as AnalyticsEngineDataset,
      },
    );
    expect(without.status).toBe(200);
    log.mockClear();
  });
});
