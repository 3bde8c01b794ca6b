#!/usr/bin/env node
// `npm run db:migrate [-- --remote] [--config wrangler.x.toml]`: applies the D1 migrations to every
// shard's database (issue 19), locally by default (what `npm start` does), or to the deployed
// databases with --remote.
import "./node22.mjs";
import { spawnSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { migrationSummary } from "./migration-summary.mjs";
import { d1Bindings } from "./shard-bindings.mjs";

const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };

/**
 * Applies the migrations to each D1 binding; prints one line per database; exits on the first failure.
 * @param {{ remote?: boolean, persistTo?: string, config?: string }} options
 */
export function migrateAll({ remote = false, persistTo = ".wrangler/state", config = "wrangler.toml" } = {}) {
  for (const binding of d1Bindings(config)) {
    const where = remote ? ["--remote"] : ["--local", "--persist-to", persistTo];
    const args = ["node_modules/wrangler/bin/wrangler.js", "d1", "migrations", "apply", binding, ...where];
    if (config !== "wrangler.toml") args.push("--config", config);
    const run = spawnSync(process.execPath, args, { env, encoding: "utf8", input: remote ? undefined : "" });
    if (run.status !== 0) {
      process.stdout.write(`${run.stdout}${run.stderr}`);
      process.exit(run.status ?? 1);
    }
    const line = migrationSummary(run.stdout);
    console.log(remote ? `${binding}: ${line.replace("(local)", "(remote)")}` : `${binding}: ${line}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const configAt = process.argv.indexOf("--config");
  const config = configAt > 0 ? process.argv[configAt + 1] : undefined;
  migrateAll({ remote: process.argv.includes("--remote"), persistTo: process.env.PERSIST_TO, config });
}
