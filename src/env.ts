import type { Principal } from "./auth/principal";
import type { Database } from "./db/client";

/** Hono environment of the app: wrangler-typed bindings plus per-request variables. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    db: Database;
    principal: Principal;
  };
}
