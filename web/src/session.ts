/**
 * The login of this browser tab. Kept in sessionStorage: it survives a reload of the tab (so an
 * interrupted upload can be resumed) but not the tab itself, and other tabs never see it.
 * What is stored is the Authorization header value, never the password on its own.
 */
const KEY = "c8y-binaries.session";

export interface Session {
  authorization: string;
  tenant: string;
  user: string;
}

export function loadSession(): Session | undefined {
  try {
    const value = JSON.parse(sessionStorage.getItem(KEY) ?? "null") as Partial<Session> | null;
    if (value && typeof value.authorization === "string" && typeof value.user === "string") {
      return { authorization: value.authorization, user: value.user, tenant: value.tenant ?? "" };
    }
  } catch {
    // unreadable: treat as logged out
  }
  return undefined;
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}
