/// <reference types="node" />
/**
 * globalSetup of the end-to-end suite (vitest.e2e.config.mts).
 *
 * Why: the workerd-based unit tests never go over a real socket, so they cannot show that an
 * unmodified official client works against the service. This starts the real local service the
 * way a user would (`scripts/start.mjs`, i.e. local D1 migrations + `wrangler dev`) on a free
 * port and an empty state directory (so every run starts from an empty database), waits until it
 * answers, hands its base URL to the tests via `provide`, and at teardown kills the whole process
 * group (node, wrangler, esbuild, workerd) and removes the state directory.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    /** The process group leader of the service, to find its workerd processes (memory checks). */
    servicePid: number;
  }
}

const READY_TIMEOUT_MS = 60_000;

/** A port nobody listens on right now (the kernel picks it; we release it for wrangler). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** Polls until the service answers HTTP at all (401 counts: it is up), or fails after the timeout. */
async function waitUntilUp(baseUrl: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}:\n${log()}`);
    try {
      await fetch(`${baseUrl}/tenant/currentTenant`, { signal: AbortSignal.timeout(2_000) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`the service did not answer within ${READY_TIMEOUT_MS / 1000} s:\n${log()}`);
}

/** Kills the process group of `child` (SIGTERM, then SIGKILL if it lingers) and waits for it. */
async function killGroup(child: ChildProcess): Promise<void> {
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // the group is already gone
    }
  };
  const exited = child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => child.once("exit", resolve));
  signalGroup("SIGTERM");
  const timer = setTimeout(() => signalGroup("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
  // workerd may outlive its parent by a moment; make sure nothing of the group survives.
  signalGroup("SIGKILL");
}

export default async function setup(project: TestProject) {
  const port = await freePort();
  const persistTo = mkdtempSync(join(tmpdir(), "c8y-e2e-"));
  const baseUrl = `http://127.0.0.1:${port}`;
  // The signing key of signed links is passed explicitly, so an older local .dev.vars without it still works.
  const linkKeys = [
    "--var",
    "LINK_SIGNING_KEYS:e2e:e2e-link-signing-secret-0123456789",
    "--var",
    "TOKEN_SIGNING_KEYS:e2e:e2e-token-signing-secret-0123456789",
  ];
  const child = spawn(process.execPath, ["scripts/start.mjs", "--port", String(port), ...linkKeys], {
    cwd: project.config.root,
    env: { ...process.env, PERSIST_TO: persistTo },
    detached: true, // own process group, so teardown reaches wrangler's workerd children too
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);

  try {
    await waitUntilUp(baseUrl, child, () => output);
  } catch (error) {
    await killGroup(child);
    rmSync(persistTo, { recursive: true, force: true });
    throw error;
  }
  project.provide("baseUrl", baseUrl);
  project.provide("servicePid", child.pid ?? 0);

  return async () => {
    await killGroup(child);
    rmSync(persistTo, { recursive: true, force: true });
  };
}
