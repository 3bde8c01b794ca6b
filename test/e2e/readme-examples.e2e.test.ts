/// <reference types="node" />
/**
 * Every curl example of the README and of docs/examples.md works as written: the README's API tour, then the
 * shell blocks of the examples page's sections, are run, in order, against the real `wrangler dev` that
 * global-setup starts (only BASE differs), and their results are checked.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, inject, it } from "vitest";

const TOUR = "## A short API tour";
const SECTIONS = [
  "## Binaries, step by step",
  "## Downloads: ranges",
  "### Share a download: signed links",
  "## Users, roles and tenants",
];
const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const examples = readFileSync(new URL("../../docs/examples.md", import.meta.url), "utf8");
const dir = mkdtempSync(join(tmpdir(), "readme-examples-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The first ```sh block after a section heading. */
function blockAfter(text: string, heading: string): string {
  const at = text.indexOf(heading);
  if (at < 0) throw new Error(`no section ${heading}`);
  const match = /```sh\n([\s\S]*?)```/.exec(text.slice(at));
  if (!match?.[1]) throw new Error(`no sh block under ${heading}`);
  return match[1];
}

/** The README's tour, then the first ```sh block after each section heading of docs/examples.md. */
function blocks(): string[] {
  return [blockAfter(readme, TOUR), ...SECTIONS.map((heading) => blockAfter(examples, heading))];
}

it("runs the curl examples of the README and docs/examples.md against the local service", () => {
  const base = inject("baseUrl");
  const script = [
    "set -euo pipefail",
    `BASE=${base}`,
    ...blocks().map((block) => block.replace(/^BASE=.*$/m, "")),
  ].join("\n");
  const output = execFileSync("bash", ["-c", script], { cwd: dir, encoding: "utf8", timeout: 60_000 });

  expect(output).not.toMatch(/"error":/);
  // The status codes the examples print: delete, 304 poll, conditional replace, tenant delete.
  // (curl's -w output follows the previous JSON body on the same line, since that has no newline)
  const codes = [...output.matchAll(/(?:^|[}\]])(\d{3})$/gm)].map((m) => m[1]);
  expect(codes).toEqual(["204", "304", "201", "204"]);
  expect(readFileSync(join(dir, "downloaded.txt"), "utf8")).toBe("hello, world\n");
  expect(readFileSync(join(dir, "part.bin")).length).toBe(100);
  expect(readFileSync(join(dir, "tail.bin")).length).toBe(500);
  expect(readFileSync(join(dir, "resumed.bin")).equals(readFileSync(join(dir, "big.bin")))).toBe(true);
  expect(output).toMatch(/"url":"http:\/\/127\.0\.0\.1:\d+\/links\/binaries\/\d+\?region=us&tenant=management&/);
  // The downloads section ends by replacing big.bin's binary with hello2.txt: the link names that revision.
  const current = readFileSync(join(dir, "hello2.txt"));
  expect(readFileSync(join(dir, "linked.bin")).equals(current)).toBe(true);
  expect(readFileSync(join(dir, "first100.bin")).equals(current.subarray(0, 100))).toBe(true);
  expect(output).toContain('"name":"greeting.txt"');
  expect(output).toContain('"name":"acme"');
  expect(output).toMatch(/"role":\{"id":"ROLE_INVENTORY_READ"/);
});
