import { afterEach, describe, expect, it, vi } from "vitest";
import { call, seedUser, shardOf, upload } from "../../helpers";

/**
 * The "unhandled error" log line of a request that failed inside D1 (docs/api.md#request-ids-logs-and-metrics:
 * nothing secret in a line). Found on 2026-12-06 (/work/notes/prov-redteam.md): drizzle wraps a failed
 * statement in an error whose message lists the statement's bound values, so a D1 failure while renaming a
 * binary logged its new file name (any failed write would log its values: names, metadata, password hashes).
 */

afterEach(() => vi.restoreAllMocks());

/**
 * Sends a request while the tenant's shard refuses every rename of its binaries (a real D1 error, raised by a
 * trigger the test adds and removes); resolves what console.error printed.
 */
async function logOfFailingRename(tenant: string, path: string, init: RequestInit): Promise<string> {
  const { d1 } = await shardOf(tenant);
  await d1
    .prepare(
      `CREATE TRIGGER fail_rename BEFORE UPDATE OF name ON binaries WHEN NEW.tenant = '${tenant}'
       BEGIN SELECT RAISE(ABORT, 'simulated failure'); END`,
    )
    .run();
  const printed: unknown[][] = [];
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    printed.push(args);
  });
  try {
    const res = await call(path, init);
    await res.arrayBuffer();
    expect(res.status).toBe(500);
  } finally {
    await d1.prepare("DROP TRIGGER fail_rename").run();
  }
  const text = printed
    .map((args) =>
      args.map((arg) => (arg instanceof Error ? `${arg.message} ${String(arg.cause)} ${arg.stack}` : String(arg))),
    )
    .join("\n");
  expect(text).toContain("unhandled error");
  expect(text).toContain("simulated failure"); // the cause is still there for the operator
  return text;
}

describe("a request that fails inside D1 logs no bound values", () => {
  it("not the file name of a renamed binary", async () => {
    const auth = await seedUser("log-secrets", "admin");
    const mo = await upload(auth, "first.bin", "bytes");
    const log = await logOfFailingRename("log-secrets", `/inventory/managedObjects/${mo.id}`, {
      method: "PUT",
      headers: { Authorization: auth, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "merger-plan-acme-2027.pdf" }),
    });
    expect(log).not.toContain("merger-plan-acme-2027");
    expect(log).not.toMatch(/params: [^\n]*\S/);
    expect(log).toContain("bound values not logged");
  });
});
