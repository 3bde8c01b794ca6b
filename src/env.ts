import type { DrizzleD1Database } from "drizzle-orm/d1";
import type * as schema from "./db/schema";

/** The authenticated caller, set by the authentication middleware. */
export interface Principal {
  tenant: string;
  userName: string;
  roles: ReadonlySet<string>;
}

export type Database = DrizzleD1Database<typeof schema>;

/** Hono environment of the app: wrangler-typed bindings plus per-request variables. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    db: Database;
    principal: Principal;
  };
}
