/**
 * The login of this browser (docs/api.md#token-login, cookie flow). The credential itself is the HttpOnly
 * `authorization` cookie, which no script can read; the page only sees the `XSRF-TOKEN` cookie,
 * which it echoes in the X-XSRF-TOKEN header. What sessionStorage keeps is who is logged in (user
 * and tenant, for the header line): never the password, never the token.
 */
const KEY = "c8y-binaries.session";

export interface Session {
  tenant: string;
  user: string;
}

/** The XSRF-TOKEN cookie's value, or "" when there is none (logged out, expired). */
export function xsrfToken(): string {
  const match = /(?:^|;\s*)XSRF-TOKEN=([^;]*)/.exec(document.cookie);
  return match?.[1] ? decodeURIComponent(match[1]) : "";
}

export function loadSession(): Session | undefined {
  try {
    const value = JSON.parse(sessionStorage.getItem(KEY) ?? "null") as Partial<Session> | null;
    // Without the cookie the server-side session is gone (logout, expiry): back to the login.
    if (value && typeof value.user === "string" && xsrfToken()) {
      return { user: value.user, tenant: value.tenant ?? "" };
    }
  } catch {
    // unreadable: treat as logged out
  }
  return undefined;
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify({ tenant: session.tenant, user: session.user }));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}
