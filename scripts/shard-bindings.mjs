// The D1 bindings of wrangler.toml's [[d1_databases]] blocks, in order (issue 19: one per shard).
import { readFileSync } from "node:fs";

/**
 * @param {string} [path] the wrangler configuration
 * @returns {string[]}
 */
export function d1Bindings(path = "wrangler.toml") {
  const text = readFileSync(path, "utf8");
  const bindings = [];
  for (const block of text.split(/^\[\[/m).slice(1)) {
    if (!block.startsWith("d1_databases]]")) continue;
    const match = /^binding\s*=\s*"([A-Za-z0-9_]+)"/m.exec(block);
    if (match) bindings.push(match[1]);
  }
  return bindings;
}
