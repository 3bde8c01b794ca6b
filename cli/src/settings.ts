/**
 * Where and as whom: flags first, then go-c8y-cli's environment variables (C8Y_BASEURL or
 * C8Y_HOST, C8Y_TENANT, C8Y_USER or C8Y_USERNAME, C8Y_PASSWORD, C8Y_TOKEN), so a shell set up for
 * go-c8y-cli works unchanged. Credentials, in this order: a token (--token or C8Y_TOKEN), the token
 * `c8y-binaries login` saved for the same service and login while it has not expired, the password.
 */
import { basicAuthorization } from "../../client/credentials";
import type { SavedSession } from "./session-file";
import { UsageError } from "./usage-error";

export interface GlobalOptions {
  url?: string;
  tenant?: string;
  user?: string;
  password?: string;
  token?: string;
}

export interface Settings {
  baseUrl: string;
  authorization: string;
}

/** Where and who, without the credential: what `login` needs too. */
export interface Target {
  baseUrl: string;
  tenant: string;
  user: string | undefined;
  password: string | undefined;
}

export function resolveTarget(flags: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Target {
  const url = flags.url ?? env.C8Y_BASEURL ?? env.C8Y_HOST;
  if (!url) throw new UsageError("No service URL: set C8Y_BASEURL or pass --url (e.g. http://127.0.0.1:8787).");
  let parsed: URL;
  try {
    parsed = new URL(/^https?:\/\//i.test(url) ? url : `https://${url}`);
  } catch {
    throw new UsageError(`Not a URL: ${url}`);
  }
  return {
    baseUrl: parsed.toString(),
    tenant: flags.tenant ?? env.C8Y_TENANT ?? "",
    user: flags.user ?? env.C8Y_USER ?? env.C8Y_USERNAME,
    password: flags.password ?? env.C8Y_PASSWORD,
  };
}

/** Whether a saved session is for this service and login (a different --user must not reuse it). */
function fits(saved: SavedSession | undefined, target: Target, now: number): saved is SavedSession {
  if (!saved || saved.baseUrl !== target.baseUrl || saved.expires <= now) return false;
  if (target.user !== undefined && target.user !== saved.user) return false;
  return !target.tenant || !saved.tenant || target.tenant === saved.tenant;
}

export function resolveSettings(
  flags: GlobalOptions,
  env: NodeJS.ProcessEnv = process.env,
  saved?: SavedSession,
  now = Date.now(),
): Settings {
  const target = resolveTarget(flags, env);
  const token = flags.token ?? env.C8Y_TOKEN;
  if (token) return { baseUrl: target.baseUrl, authorization: `Bearer ${token}` };
  if (fits(saved, target, now)) return { baseUrl: target.baseUrl, authorization: `Bearer ${saved.token}` };
  if (!target.user) throw new UsageError("No user: set C8Y_USER or pass --user.");
  if (target.password === undefined) {
    throw new UsageError("No password: set C8Y_PASSWORD or pass --password (or log in once: c8y-binaries login).");
  }
  const { tenant, user, password } = target;
  return { baseUrl: target.baseUrl, authorization: basicAuthorization({ tenant, user, password }) };
}
