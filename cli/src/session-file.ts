import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { uploadStateFile } from "./state-dir";

/**
 * The token `c8y-binaries login` saves (docs/api.md#token-login), like go-c8y-cli's session files: one
 * JSON file in the state directory (next to uploads.json; $C8Y_BINARIES_SESSION overrides it),
 * created with mode 0600 in a 0700 directory, so only the user can read it. It never holds the
 * password.
 */
export interface SavedSession {
  baseUrl: string;
  tenant: string;
  user: string;
  token: string;
  /** Milliseconds since the epoch (the token's `exp`). */
  expires: number;
}

export function sessionFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.C8Y_BINARIES_SESSION || join(dirname(uploadStateFile(env)), "session.json");
}

/** The saved session, or undefined when there is none or it cannot be read. */
export function readSession(env: NodeJS.ProcessEnv = process.env): SavedSession | undefined {
  try {
    const value = JSON.parse(readFileSync(sessionFile(env), "utf8")) as Partial<SavedSession>;
    const { baseUrl, tenant, user, token, expires } = value;
    if (typeof baseUrl !== "string" || typeof token !== "string" || typeof expires !== "number") return undefined;
    return { baseUrl, tenant: tenant ?? "", user: user ?? "", token, expires };
  } catch {
    return undefined;
  }
}

export function writeSession(session: SavedSession, env: NodeJS.ProcessEnv = process.env): string {
  const file = sessionFile(env);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  // Written with 0600 from the start; chmod too, for a file that existed with looser bits.
  writeFileSync(file, `${JSON.stringify(session, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

export function removeSession(env: NodeJS.ProcessEnv = process.env): void {
  rmSync(sessionFile(env), { force: true });
}

/** The expiry of a JWT (its `exp` claim) in ms, or undefined when it has none readable. */
export function tokenExpiry(token: string): number | undefined {
  try {
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as {
      exp?: unknown;
    };
    return typeof claims.exp === "number" ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
