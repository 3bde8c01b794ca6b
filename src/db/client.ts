import { drizzle } from "drizzle-orm/d1";
import { createMiddleware } from "hono/factory";
import type { AppEnv, Database } from "../env";
import * as schema from "./schema";

/** Wraps a D1 binding in a drizzle client. */
export function createDb(d1: D1Database): Database {
  return drizzle(d1, { schema });
}

/** Hands each request a drizzle client as `c.var.db`. */
export const dbMiddleware = createMiddleware<AppEnv>(async (c, next) => {
  c.set("db", createDb(c.env.DB));
  await next();
});
