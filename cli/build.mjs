// Bundles the CLI's TypeScript into one ES module for Node (dependencies stay in node_modules).
import { chmodSync } from "node:fs";
import { build } from "esbuild";

const outfile = new URL("./dist/c8y-binaries.mjs", import.meta.url).pathname;
await build({
  entryPoints: [new URL("./src/main.ts", import.meta.url).pathname],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  packages: "external",
  banner: { js: "#!/usr/bin/env node" },
  logLevel: "warning",
});
chmodSync(outfile, 0o755);
