import type { Principal } from "./auth/principal";
import type { Database } from "./db/client";

/** Hono environment of the app: wrangler-typed bindings plus per-request variables. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    db: Database;
    principal: Principal;
    /** The request's id (X-Request-Id), set first (routes/observe.ts). */
    requestId: string;
    /** The tenant of a request without a principal (a signed link), for its log line. */
    requestTenant?: string;
    /** Which rate limit refused the request (`tenant`, `login`, `link`), for its log line. */
    limitedBy?: string;
  };
}
