/** What an Authorization header names: an optional tenant, a user and a password. */
export interface BasicCredentials {
  tenant: string | undefined;
  userName: string;
  password: string;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * Parses `Basic base64(tenant/user:password)` or `Basic base64(user:password)`.
 * Returns undefined for anything else, so the caller answers 401 rather than 500.
 */
export function parseBasicCredentials(header: string | undefined): BasicCredentials | undefined {
  if (!header) return undefined;
  const match = /^basic[ ]+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!match?.[1]) return undefined;
  let decoded: string;
  try {
    const binary = atob(match[1].replace(/-/g, "+").replace(/_/g, "/"));
    decoded = strictUtf8.decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0)));
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(":");
  if (colon < 1) return undefined;
  const login = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const slash = login.indexOf("/");
  if (slash === -1) return { tenant: undefined, userName: login, password };
  const tenant = login.slice(0, slash);
  const userName = login.slice(slash + 1);
  if (!tenant || !userName) return undefined;
  return { tenant, userName, password };
}
