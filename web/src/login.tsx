import { useState } from "preact/hooks";
import { BinariesClient, logIn } from "../../client/api";
import { describeError } from "../../client/errors";
import { type Session, xsrfToken } from "./session";

/**
 * Tenant, user and password, sent once to the token login (POST /tenant/oauth, docs/api.md#token-login):
 * the server answers with an HttpOnly cookie, so the password is not kept anywhere afterwards.
 */
export function LoginForm({ notice, onLogin }: { notice: string; onLogin: (session: Session) => void }) {
  const [tenant, setTenant] = useState("");
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError("");
    try {
      await logIn(location.origin, { tenant: tenant.trim(), user: user.trim(), password }, "cookie");
      setPassword("");
      const tenantName = await new BinariesClient(location.origin, { xsrfToken }).currentTenant();
      onLogin({ tenant: tenantName || tenant.trim(), user: user.trim() });
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="login">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Files</h1>
        <p class="hint">Log in with your Cumulocity tenant, user and password.</p>
        {notice && (
          <p class="notice" role="status">
            {notice}
          </p>
        )}
        <label>
          Tenant <span class="optional">(optional when your user name is unique)</span>
          <input
            name="tenant"
            autocomplete="organization"
            value={tenant}
            onInput={(e) => setTenant(e.currentTarget.value)}
          />
        </label>
        <label>
          User
          <input
            name="user"
            required
            autocomplete="username"
            value={user}
            onInput={(e) => setUser(e.currentTarget.value)}
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            required
            autocomplete="current-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Logging in…" : "Log in"}
        </button>
      </form>
    </main>
  );
}
