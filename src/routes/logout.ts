import { Hono } from "hono";
import { closeSession } from "../auth/token-sessions";
import type { AppEnv } from "../env";
import { rejectOtherMethods } from "./context";
import { clearSessionCookies } from "./session-cookies";

/**
 * POST /user/logout (docs/api.md#token-login): ends the caller's token session everywhere (its
 * row; other isolates notice within AUTH_RECHECK_SECONDS) and drops the cookies. With Basic there
 * is no session to end; the answer is the same. The body (`{}` from @c8y/client) is ignored.
 */
export const logoutRoutes = new Hono<AppEnv>();

logoutRoutes.post("/", async (c) => {
  await closeSession(c.var.db, c.var.principal);
  clearSessionCookies(c);
  return c.body(null, 200);
});

logoutRoutes.all("/", rejectOtherMethods("POST"));
