/// <reference types="node" />
/**
 * The resumable-upload curl flow of docs/examples.md works as written against the real `wrangler dev`
 * (only BASE differs): tus by hand, the IETF draft by hand, listing and cancelling.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, inject, it } from "vitest";

const readme = readFileSync(new URL("../../docs/examples.md", import.meta.url), "utf8");
const dir = mkdtempSync(join(tmpdir(), "resumable-readme-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("runs the resumable-upload curl flow of docs/examples.md", () => {
  const section = readme.slice(readme.indexOf("## Resumable uploads"));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error("no sh block under ## Resumable uploads");
  const script = ["set -euo pipefail", `BASE=${inject("baseUrl")}`, block.replace(/^BASE=.*$/m, "")].join("\n");
  const output = execFileSync("bash", ["-c", script], { cwd: dir, encoding: "utf8", timeout: 120_000 });

  expect(output).not.toMatch(/"error":/);
  // The download's MD5 equals the file's.
  const sums = [...output.matchAll(/^([0-9a-f]{32}) {2}-$/gm)].map((m) => m[1]);
  expect(sums).toHaveLength(2);
  expect(sums[0]).toBe(sums[1]);
  // The draft's completing PATCH answered with the managed object.
  expect(output).toMatch(/"name":"big-draft\.bin"/);
  expect(output).toMatch(/"length":12000000/);
  // The chunked one-request draft upload became a binary of the stream's length.
  expect(output).toMatch(/"name":"stream\.tar"[\s\S]*"length":3000000/);
  // The list showed the unfinished upload; the DELETE answered 204.
  expect(output).toMatch(/"name":"later\.bin"/);
  expect(output.trim().endsWith("204")).toBe(true);
});
