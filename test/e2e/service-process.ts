/// <reference types="node" />
/**
 * The local service as a process, for the e2e suite: `scripts/start.mjs` (local D1 migrations +
 * `wrangler dev`) on a free port with its own state directory, in its own process group so stopping it
 * reaches wrangler's workerd children too. Used by the suite's shared service (global-setup.ts) and by
 * the files that need a service of their own (shards, lowered rate limits).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

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
async function waitUntilUp(baseUrl: string, child: ChildProcess, timeoutMs: number, log: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}:\n${log()}`);
    try {
      await fetch(`${baseUrl}/tenant/currentTenant`, { signal: AbortSignal.timeout(2_000) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`the service did not answer within ${timeoutMs / 1000} s:\n${log()}`);
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

export interface ServiceProcess {
  baseUrl: string;
  pid: number;
  /** Stops the whole process group; safe to call twice. */
  stop(): Promise<void>;
}

/** Starts `scripts/start.mjs` in `root` with `args`, state in `persistTo`; resolves once it answers. */
export async function startService(options: {
  root: string;
  persistTo: string;
  args?: readonly string[];
  readyTimeoutMs?: number;
}): Promise<ServiceProcess> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ["scripts/start.mjs", "--port", String(port), ...(options.args ?? [])], {
    cwd: options.root,
    env: { ...process.env, PERSIST_TO: options.persistTo },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= killGroup(child);
    return stopped;
  };
  try {
    await waitUntilUp(baseUrl, child, options.readyTimeoutMs ?? 60_000, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, pid: child.pid ?? 0, stop };
}
