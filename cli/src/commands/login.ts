import { BinariesClient, logIn } from "../../../client/api";
import { readSession, removeSession, tokenExpiry, writeSession } from "../session-file";
import { type GlobalOptions, resolveTarget } from "../settings";
import { UsageError } from "../usage-error";

/**
 * `c8y-binaries login`: sends the password once (POST /tenant/oauth/token, docs/api.md#token-login) and
 * saves the token in a file only the user can read; later commands send the token instead of the
 * password, so the server runs no password hash for them.
 */
export async function loginCommand(flags: GlobalOptions, out: (line: string) => void): Promise<void> {
  const target = resolveTarget(flags);
  if (!target.user) throw new UsageError("No user: set C8Y_USER or pass --user.");
  if (target.password === undefined) throw new UsageError("No password: set C8Y_PASSWORD or pass --password.");
  const credentials = { tenant: target.tenant, user: target.user, password: target.password };
  const token = (await logIn(target.baseUrl, credentials, "token")) ?? "";
  const tenant = target.tenant || (await new BinariesClient(target.baseUrl, `Bearer ${token}`).currentTenant());
  const expires = tokenExpiry(token) ?? Date.now() + 3_600_000;
  const file = writeSession({ baseUrl: target.baseUrl, tenant, user: target.user, token, expires });
  out(`Logged in as ${tenant ? `${tenant}/` : ""}${target.user} until ${new Date(expires).toISOString()}.`);
  out(`Token saved to ${file} (readable only by you); other commands use it instead of the password.`);
}

/** `c8y-binaries logout`: ends the saved token's session on the server and deletes the file. */
export async function logoutCommand(out: (line: string) => void): Promise<void> {
  const saved = readSession();
  if (!saved) {
    out("Not logged in (no saved token).");
    return;
  }
  try {
    await new BinariesClient(saved.baseUrl, `Bearer ${saved.token}`).logout();
  } finally {
    removeSession();
  }
  out("Logged out: the token's session has ended and the file is deleted.");
}
