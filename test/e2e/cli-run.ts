/// <reference types="node" />
/**
 * Runs the built `c8y-binaries` (cli/dist, built by `npm run build`) as a child process and collects what it
 * printed: the one spawn helper of the CLI's end-to-end tests. It can send Ctrl-C (SIGINT) after a delay or
 * once a condition holds (polled), to test interruption.
 */
import { spawn } from "node:child_process";

export const CLI = new URL("../../cli/dist/c8y-binaries.mjs", import.meta.url).pathname;

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** How long it ran. */
  ms: number;
}

export interface CliOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Ctrl-C this many milliseconds after the start. */
  interruptAfterMs?: number;
  /** Ctrl-C once this resolves true (polled every 50 ms; sent once). */
  interruptWhen?: () => Promise<boolean>;
}

/** The login settings of the `wrangler dev` of global-setup, and a state file under `dir`. */
export function cliEnv(base: string, dir: string): NodeJS.ProcessEnv & { C8Y_BINARIES_STATE: string } {
  return {
    ...process.env,
    C8Y_BASEURL: base,
    C8Y_TENANT: "management",
    C8Y_USER: "admin",
    C8Y_PASSWORD: "admin",
    C8Y_BINARIES_STATE: `${dir}/state/uploads.json`,
  };
}

export function runCli(args: string[], options: CliOptions): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let interrupted = false;
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer =
      options.interruptAfterMs === undefined
        ? undefined
        : setTimeout(() => child.kill("SIGINT"), options.interruptAfterMs);
    const poll = options.interruptWhen
      ? setInterval(async () => {
          // Polls overlap when a check takes longer than 50 ms: check again after the await, so
          // only one Ctrl-C is sent (a second SIGINT kills the CLI: exit code null, not 130).
          if (!interrupted && (await options.interruptWhen?.()) && !interrupted) {
            interrupted = true;
            child.kill("SIGINT");
          }
        }, 50)
      : undefined;
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      clearInterval(poll);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}
