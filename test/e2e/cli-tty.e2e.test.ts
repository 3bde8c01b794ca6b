/// <reference types="node" />
/**
 * The CLI on a real terminal: `script` (util-linux) gives it a pseudo-terminal, and Ctrl-C is the
 * byte 0x03 typed into it, so the terminal's line discipline sends SIGINT to the CLI as a shell
 * would. The progress bar is drawn (stderr is a TTY), and every Ctrl-C exits with 130.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";

const ROOT = new URL("../../", import.meta.url).pathname;
const CLI = join(ROOT, "cli/dist/c8y-binaries.mjs");
const base = inject("baseUrl");
const dir = mkdtempSync(join(tmpdir(), "cli-tty-"));
const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI on a pseudo-terminal; types Ctrl-C once `when(output)` is true, or after `when` ms. */
function onTerminal(
  args: string[],
  env: NodeJS.ProcessEnv,
  when: ((output: string) => boolean) | number,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
    const child = spawn("script", ["-qefc", command, "/dev/null"], {
      cwd: dir,
      env: {
        ...process.env,
        C8Y_TENANT: "management",
        C8Y_USER: "admin",
        C8Y_PASSWORD: "admin",
        C8Y_BINARIES_STATE: join(dir, "state", "uploads.json"),
        ...env,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let output = "";
    let typed = false;
    const type = () => {
      if (typed) return;
      typed = true;
      child.stdin?.write("\x03");
    };
    if (typeof when === "number") setTimeout(type, when);
    const watch = (chunk: Buffer) => {
      output += chunk.toString();
      if (typeof when === "function" && when(output)) type();
    };
    child.stdout?.on("data", watch);
    child.stderr?.on("data", watch);
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

describe("c8y-binaries on a terminal", () => {
  it("exits 130 when Ctrl-C is typed before a download's first byte", async () => {
    const server = createServer(() => {
      // never answers
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const run = await onTerminal(["download", "1"], { C8Y_BASEURL: url }, 1_500);
    expect(run.code).toBe(130);
    expect(run.output).toContain("Interrupted");
  });

  it("draws the progress bar and, on Ctrl-C, exits 130 with the resume hint", async () => {
    const path = join(dir, "tty-upload.bin");
    writeFileSync(path, randomBytes(64 * 1024 * 1024));
    const run = await onTerminal(["upload", path, "--chunk-size", "5"], { C8Y_BASEURL: base }, (output) =>
      /upload tty-upload\.bin \[[^\]]*\] [1-9]\d*%/.test(output),
    );
    expect(run.output).toMatch(/upload tty-upload\.bin \[/);
    expect(run.code).toBe(130);
    expect(run.output).toContain("run the same command again to resume");
  }, 120_000);
});
