import type { Principal } from "./auth/principal";
import type { Database } from "./db/client";
import type { Route } from "./shards/routing";

/** Hono environment of the app: wrangler-typed bindings plus per-request variables. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    /** The request's tenant's shard (issue 19), over one D1 session. */
    db: Database;
    /** Which shard and region serve the request (routes/routing.ts). */
    route: Route;
    principal: Principal;
    /** The request's id (X-Request-Id), set first (routes/observe.ts). */
    requestId: string;
    /** The tenant of a request without a principal (a signed link), for its log line. */
    requestTenant?: string;
    /** Which rate limit refused the request (`tenant`, `login`, `link`), for its log line. */
    limitedBy?: string;
    /**
     * The client address's limit of unverified logins already counted this request's password: a login
     * without its tenant is counted by the routing, before its user name is looked up in every shard.
     */
    loginAttemptCounted?: boolean;
  };
}
