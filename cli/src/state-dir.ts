import { homedir } from "node:os";
import { join } from "node:path";

/**
 * Where the CLI remembers unfinished uploads between runs: $C8Y_BINARIES_STATE, else the XDG
 * state directory (~/.local/state/c8y-binaries/uploads.json). Holds upload URLs only, no secrets.
 */
export function uploadStateFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env.C8Y_BINARIES_STATE) return env.C8Y_BINARIES_STATE;
  const base = env.XDG_STATE_HOME || join(homedir(), ".local", "state");
  return join(base, "c8y-binaries", "uploads.json");
}
