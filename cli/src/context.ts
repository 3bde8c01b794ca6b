import { BinariesClient } from "../../client/api";
import { readSession } from "./session-file";
import { type GlobalOptions, resolveSettings } from "./settings";

/** What every command gets: the API client, whether to draw progress, and Ctrl-C as a signal. */
export interface CommandContext {
  client: BinariesClient;
  progress: boolean;
  /** Aborted on the first Ctrl-C (SIGINT), so transfers stop cleanly and can be resumed. */
  interrupted: AbortSignal;
  out: (line: string) => void;
  err: (line: string) => void;
}

export function createContext(flags: GlobalOptions & { progress?: boolean }, interrupted: AbortSignal): CommandContext {
  const settings = resolveSettings(flags, process.env, readSession());
  return {
    client: new BinariesClient(settings.baseUrl, settings.authorization),
    progress: flags.progress !== false,
    interrupted,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
}
