import { useCallback, useMemo, useState } from "preact/hooks";
import { BinariesClient } from "../../client/api";
import { FilesPage } from "./files-page";
import { LoginForm } from "./login";
import { clearSession, loadSession, type Session, saveSession, xsrfToken } from "./session";

/** Login or the files page; any 401 from the API ends the session and returns to the login. */
export function App() {
  const [session, setSession] = useState<Session | undefined>(loadSession);
  const [notice, setNotice] = useState<string>("");

  const logout = useCallback((message = "") => {
    clearSession();
    setSession(undefined);
    setNotice(message);
  }, []);

  const client = useMemo(() => {
    if (!session) return undefined;
    const fetcher: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (response.status === 401) logout("Your session has ended (the API answered 401). Please log in again.");
      return response;
    };
    return new BinariesClient(location.origin, { xsrfToken }, fetcher);
  }, [session, logout]);

  if (!session || !client) {
    return (
      <LoginForm
        notice={notice}
        onLogin={(next) => {
          saveSession(next);
          setNotice("");
          setSession(next);
        }}
      />
    );
  }
  // "Log out" ends the session on the server (and drops its cookies) before the page forgets it.
  const logOutEverywhere = () =>
    client.logout().then(
      () => logout("You have logged out."),
      () => logout("You have logged out here; the server could not be told (it ends the session at expiry)."),
    );
  return <FilesPage client={client} session={session} onLogout={() => void logOutEverywhere()} />;
}
