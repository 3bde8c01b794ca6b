/// <reference types="node" />
/** `npm start` on a fresh database: one line about the migrations, not wrangler's table per migration. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { migrationSummary } from "../../scripts/migration-summary.mjs";

const ROOT = new URL("../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "start-output-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm start's migration step", () => {
  it("sums up wrangler's output in one line: applied now, then up to date", () => {
    const apply = () =>
      execFileSync(
        join(ROOT, "node_modules/.bin/node"),
        ["node_modules/wrangler/bin/wrangler.js", "d1", "migrations", "apply", "DB", "--local", "--persist-to", dir],
        {
          cwd: ROOT,
          encoding: "utf8",
          env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
        },
      );
    const first = apply();
    const migrations = readdirSync(join(ROOT, "migrations")).filter((name) => name.endsWith(".sql"));
    // What wrangler prints: a table per migration applied (this is what `npm start` used to pass on).
    expect((first.match(/┌/g) ?? []).length).toBeGreaterThan(1);
    const summary = migrationSummary(first);
    expect(summary).toBe(`D1 (local): applied ${migrations.sort().join(", ")}`);
    expect(summary.split("\n")).toHaveLength(1);
    expect(migrationSummary(apply())).toBe("D1 (local): migrations up to date");
  }, 120_000);
});
