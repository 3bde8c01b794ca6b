// Wrangler, miniflare and vitest need Node >= 22.12 (package.json "engines"). The devDependency
// `node` installs Node 22 as node_modules/.bin/node, which npm scripts and npx find first on PATH.
// A script run directly (`node scripts/big-upload.mjs`) by an older machine Node re-runs itself
// under that binary here, so it and everything it starts with process.execPath (wrangler, and
// workerd below it) run on one Node. Import this first in every script that starts wrangler.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";

const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  const local = fileURLToPath(new URL("../node_modules/.bin/node", import.meta.url));
  if (!existsSync(local)) {
    console.error(`Node ${process.versions.node} is older than 22.12: run \`npm ci\`, it installs Node 22.`);
    process.exit(1);
  }
  const child = spawn(local, [...process.execArgv, ...process.argv.slice(1)], { stdio: "inherit" });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  const code = await new Promise((resolve) =>
    child.on("exit", (status, signal) => resolve(status ?? 128 + (constants.signals[signal] ?? 0))),
  );
  process.exit(code);
}
