#!/usr/bin/env node
// Fails when a module in src/ imports from a layer above its own (see the layout in README.md), when a route
// imports db/ (other than db/client), when http/ imports anything but http/ and utils/, when code outside
// src/routes/ touches hono's Context, when a source line is wider than the formatter's 120 columns (Biome cannot
// break long strings and comments, so this catches them), or
// when a citation of docs/api.md names a heading anchor that does not exist (or a section by number), or when a
// folder is missing from the newcomer's map (docs/architecture.md).
// Layers, lowest first; a module may import from its own folder or any lower layer.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const RANK = {
  utils: 0,
  "errors.ts": 0,
  "config.ts": 0,
  limits: 1,
  observability: 0,
  http: 1,
  db: 1,
  r2: 1,
  hashing: 1,
  shards: 1.5,
  c8y: 2,
  revisions: 2,
  auth: 3,
  ingest: 3,
  downloads: 3,
  binaries: 4,
  users: 4,
  tenants: 4,
  resumable: 4.2,
  jobs: 4.4,
  "env.ts": 4.5,
  routes: 5,
  "index.ts": 6,
};
const root = resolve("src");
const layerOf = (file) => relative(root, file).split("/")[0];
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith(".ts")) files.push(path);
  }
};
walk(root);
const problems = [];
for (const file of files) {
  const from = layerOf(file);
  if (RANK[from] === undefined)
    problems.push(`${relative(".", file)}: folder '${from}' has no layer in scripts/check-layers.mjs`);
  const text = readFileSync(file, "utf8");
  // Only the routers (and the wiring) see Hono's request context; everything below gets plain values.
  if (!["routes", "index.ts", "env.ts"].includes(from) && /from\s+"hono(\/factory)?"/.test(text)) {
    problems.push(`${relative(".", file)} imports hono's Context or middleware; only src/routes/ may`);
  }
  for (const match of text.matchAll(/from\s+"(\.{1,2}\/[^"]+)"/g)) {
    const target = resolve(dirname(file), match[1]);
    // Routes talk to services, never to the queries: no src/routes/ module imports db/, types included. The
    // one exception is db/client, the connection itself (which database, which D1 session): the middleware
    // opens it for the request and hands it to the services.
    const below = relative(root, target);
    if (from === "routes" && below.startsWith("db/") && below.replace(/\.ts$/, "") !== "db/client")
      problems.push(`${relative(".", file)} imports ${match[1]}: routes call services, not db/ (only db/client)`);
    // http/ is protocol-neutral: it knows neither the error catalogue nor Cumulocity nor config; its parsers throw
    // its own HttpInputError, which routes/context.ts maps. It may import only http/ and utils/.
    if (from === "http" && !/^(http|utils)\//.test(below))
      problems.push(`${relative(".", file)} imports ${match[1]}: http/ imports only http/ and utils/ (no errors.ts)`);
    const to = layerOf(
      target.endsWith(".ts") || RANK[`${relative(root, target)}.ts`] === undefined ? target : `${target}.ts`,
    );
    if (to === from) continue;
    if ((RANK[to] ?? 99) >= RANK[from])
      problems.push(`${relative(".", file)} imports ${match[1]} (${from} may not depend on ${to})`);
  }
}
const WIDTH = 120;
const sources = [];
for (const dir of ["src", "test", "scripts", "bench"]) {
  const walkAll = (d) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (["node_modules", "results", ".wrangler"].includes(name)) continue;
      if (statSync(path).isDirectory()) walkAll(path);
      else if (/\.(ts|mts|mjs|js)$/.test(name)) sources.push(path);
    }
  };
  walkAll(resolve(dir));
}
for (const file of sources) {
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((line, i) => {
      if ([...line].length > WIDTH) problems.push(`${relative(".", file)}:${i + 1} is wider than ${WIDTH} columns`);
    });
}
// Prose cites docs/api.md by heading anchor (`docs/api.md#edge-cache`, or `[Edge cache](#edge-cache)` inside it),
// never by section number: every anchor must belong to a heading, so a renamed or moved heading fails here.
const slugOf = (heading) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
const anchors = new Set();
let inFence = false;
for (const line of readFileSync("docs/api.md", "utf8").split("\n")) {
  if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
  const heading = !inFence && line.match(/^#{1,6}\s+(.*)$/);
  if (!heading) continue;
  const base = slugOf(heading[1]);
  let anchor = base;
  for (let n = 1; anchors.has(anchor); n++) anchor = `${base}-${n}`;
  anchors.add(anchor);
}
const prose = ["README.md"];
for (const dir of ["src", "test", "scripts", "bench", "web", "cli", "client", "docs"]) {
  const walkProse = (d) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (["node_modules", "results", ".wrangler", "dist", "screenshots"].includes(name)) continue;
      if (statSync(path).isDirectory()) walkProse(path);
      else if (!/\.(png|jpe?g|svg|ico|woff2?|gz|zip|bin)$/.test(name)) prose.push(path);
    }
  };
  walkProse(dir);
}
for (const file of prose) {
  const own = relative(".", resolve(file)) === join("docs", "api.md");
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((line, i) => {
      const where = `${relative(".", resolve(file))}:${i + 1}`;
      const cited = [...line.matchAll(/api\.md#([\w-]+)/g)].map((m) => m[1]);
      if (own) cited.push(...[...line.matchAll(/\]\(#([\w-]+)\)/g)].map((m) => m[1]));
      for (const anchor of cited)
        if (!anchors.has(anchor)) problems.push(`${where} cites docs/api.md#${anchor}, which no heading has`);
      if (/\u00a7\s*\d/.test(line))
        problems.push(`${where} cites a section by number; cite its heading anchor (docs/api.md#edge-cache)`);
    });
}
// Big files are hard to change: past MAX_LINES a source file says why near its top ("Long because: ...").
const MAX_LINES = 400;
for (const file of [...sources, ...prose.filter((path) => /(^|\/)(web|cli)\/src\/|(^|\/)client\//.test(path))]) {
  if (!/\.(ts|tsx|mts|mjs|js)$/.test(file)) continue;
  const lines = readFileSync(file, "utf8").split("\n");
  if (lines.length > MAX_LINES && !lines.slice(0, 40).some((line) => line.includes("Long because:")))
    problems.push(
      `${relative(".", file)} has ${lines.length} lines: split it, or say why at its top ("Long because: ...")`,
    );
}
// The newcomer's map (docs/architecture.md) names every folder of src/ with its main file, which opens with a
// comment that says what the folder owns; every top-level folder of the repository is in the map too.
const map = readFileSync("docs/architecture.md", "utf8");
for (const name of readdirSync(root)) {
  if (!statSync(join(root, name)).isDirectory()) continue;
  const row = new RegExp(`^\\| \`src/${name}/\` \\| \`([^\`]+)\` \\|`, "m").exec(map);
  if (!row) {
    problems.push(`docs/architecture.md: src/${name}/ is not in the map (| \`src/${name}/\` | \`main.ts\` | owns |)`);
    continue;
  }
  const main = join(root, name, row[1] ?? "");
  if (!existsSync(main)) problems.push(`docs/architecture.md: src/${name}/${row[1]} does not exist`);
  else if (!/^\s*(\/\*\*|\/\/)/.test(readFileSync(main, "utf8")))
    problems.push(`src/${name}/${row[1]}: the folder's main file must open with a comment saying what it owns`);
}
for (const name of readdirSync(".")) {
  if ([".git", "node_modules", ".wrangler"].includes(name) || !statSync(name).isDirectory() || name === "src") continue;
  if (!map.includes(`| \`${name}/\` |`)) problems.push(`docs/architecture.md: the folder ${name}/ is not in the map`);
}
if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(
  `source ok: ${files.length} modules, every import points down; ${sources.length} files within ${WIDTH} columns; ` +
    `${prose.length} files cite docs/api.md only by existing anchors`,
);
