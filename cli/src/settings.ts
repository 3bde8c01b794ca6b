/**
 * Where and as whom: flags first, then go-c8y-cli's environment variables (C8Y_BASEURL or
 * C8Y_HOST, C8Y_TENANT, C8Y_USER or C8Y_USERNAME, C8Y_PASSWORD), so a shell set up for go-c8y-cli
 * works unchanged.
 */
import { basicAuthorization } from "../../client/credentials";
import { UsageError } from "./usage-error";

export interface GlobalOptions {
  url?: string;
  tenant?: string;
  user?: string;
  password?: string;
}

export interface Settings {
  baseUrl: string;
  authorization: string;
}

export function resolveSettings(flags: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Settings {
  const url = flags.url ?? env.C8Y_BASEURL ?? env.C8Y_HOST;
  const user = flags.user ?? env.C8Y_USER ?? env.C8Y_USERNAME;
  const password = flags.password ?? env.C8Y_PASSWORD;
  const tenant = flags.tenant ?? env.C8Y_TENANT ?? "";
  if (!url) throw new UsageError("No service URL: set C8Y_BASEURL or pass --url (e.g. http://127.0.0.1:8787).");
  let parsed: URL;
  try {
    parsed = new URL(/^https?:\/\//i.test(url) ? url : `https://${url}`);
  } catch {
    throw new UsageError(`Not a URL: ${url}`);
  }
  if (!user) throw new UsageError("No user: set C8Y_USER or pass --user.");
  if (password === undefined) throw new UsageError("No password: set C8Y_PASSWORD or pass --password.");
  return { baseUrl: parsed.toString(), authorization: basicAuthorization({ tenant, user, password }) };
}
