#!/usr/bin/env node
// `npm start [-- extra wrangler dev flags]`: local login, local migrations, then wrangler dev.
import "./node22.mjs"; // Node >= 22.12 even when run directly by an older machine Node
import { spawn } from "node:child_process";
import { appendFileSync, copyFileSync, existsSync, readFileSync } from "node:fs";
import { migrateAll } from "./migrate.mjs";

const persistTo = process.env.PERSIST_TO ?? ".wrangler/state";
const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
const wrangler = ["node_modules/wrangler/bin/wrangler.js"];

// The local admin (management/admin:admin) comes from .dev.vars, which never leaves the machine. A
// .dev.vars copied before a variable was added to the example gets that variable appended (say,
// LINK_SIGNING_KEYS), so an old checkout does not break; values already set are never changed.
if (!existsSync(".dev.vars")) copyFileSync(".dev.vars.example", ".dev.vars");
else {
  const namesIn = (text) => new Set([...text.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]));
  const current = readFileSync(".dev.vars", "utf8");
  const have = namesIn(current);
  const missing = readFileSync(".dev.vars.example", "utf8")
    .split("\n")
    .filter((line) => /^[A-Z0-9_]+=/.test(line) && !have.has(line.split("=")[0]));
  if (missing.length > 0) {
    appendFileSync(".dev.vars", `${current.endsWith("\n") ? "" : "\n"}${missing.join("\n")}\n`);
    console.log(`.dev.vars: added ${missing.map((line) => line.split("=")[0]).join(", ")} from .dev.vars.example`);
  }
}

// Every shard's database (issue 19) gets the migrations: one line per database.
migrateAll({ persistTo });

// `npm start -- --port 9000` arrives without the `--`; `node scripts/start.mjs -- --port 9000` with it.
const extra = process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === "--"));
// --test-scheduled: the orphan sweep can be run by hand (GET /__scheduled) instead of warning that crons do not fire.
const args = [
  ...wrangler,
  "dev",
  "--ip",
  "127.0.0.1",
  "--show-interactive-dev-session=false",
  "--test-scheduled",
  "--persist-to",
  persistTo,
  ...extra,
];
const dev = spawn(process.execPath, args, { env, stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));
