import { type Context, Hono } from "hono";
import { checkPasswordLogin } from "../auth/authenticate";
import { parseLoginForm } from "../auth/login-form";
import { type IssuedToken, openSession } from "../auth/token-sessions";
import { readConfig } from "../config";
import type { AppEnv } from "../env";
import { tokensNotConfigured, unsupportedMediaType } from "../errors";
import { readTextCapped } from "../http/body";
import { rejectOtherMethods } from "./context";
import { tokenSettingsOf } from "./middleware";
import { enforceCallerLimits, limitLoginAttempt } from "./rate-limit";
import { routeToLogin } from "./routing";
import { setSessionCookies } from "./session-cookies";

/**
 * Token login (docs/api.md#token-login), mounted before authentication: POST /tenant/oauth/token
 * answers `{"access_token": …}` for `Authorization: Bearer`; POST /tenant/oauth sets the
 * `authorization` (HttpOnly) and `XSRF-TOKEN` cookies for the browser flow. A Basic header sent
 * along (as @c8y/client does) is ignored: the form is the login.
 */
export const oauthRoutes = new Hono<AppEnv>();

const FORM = /^application\/x-www-form-urlencoded\s*(;|$)/i;

async function logIn(c: Context<AppEnv>): Promise<IssuedToken> {
  const settings = tokenSettingsOf(c);
  if (settings.keys.length === 0) throw tokensNotConfigured();
  if (!FORM.test(c.req.header("Content-Type") ?? "")) {
    throw unsupportedMediaType("A token login is a form: Content-Type application/x-www-form-urlencoded.");
  }
  const body = await readTextCapped(c.req.raw.body, readConfig(c.env).maxJsonSize);
  const credentials = parseLoginForm(body, c.req.query("tenant_id"));
  const scheme = c.req.header("UseXBasic")?.toLowerCase() === "true" ? "XBasic" : "Basic";
  // The form names the tenant: its shard holds the user, the throttle count and the new session.
  const address = c.req.header("CF-Connecting-IP");
  // A password about to be checked counts against the address's limit of unverified logins.
  await limitLoginAttempt(c, address)();
  await routeToLogin(c, credentials);
  const user = await checkPasswordLogin(
    c.var.db,
    c.var.route.shard.d1,
    {},
    credentials,
    scheme,
    address,
    c.var.route.tenant ?? null,
    // A form naming a tenant the directory does not know: refused without any D1 write.
    credentials.tenant !== undefined && c.var.route.tenant === undefined,
  );
  // A token login is a request of that login and its tenant (docs/api.md#rate-limits), counted once the password
  // matched (a wrong one is the login throttle's): without it a login loop was a way around both limits, each
  // turn a PBKDF2 hash and a new session row.
  await enforceCallerLimits(c, user.tenant, user.userName);
  return openSession(c.var.db, user, settings);
}

oauthRoutes.post("/token", async (c) => {
  const issued = await logIn(c);
  c.header("Cache-Control", "no-store");
  return c.json({ access_token: issued.token });
});

oauthRoutes.post("/", async (c) => {
  const issued = await logIn(c);
  setSessionCookies(c, issued);
  c.header("Cache-Control", "no-store");
  return c.body(null, 200);
});

oauthRoutes.all("/token", rejectOtherMethods("POST"));
oauthRoutes.all("/", rejectOtherMethods("POST"));
