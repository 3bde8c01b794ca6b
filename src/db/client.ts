import { drizzle } from "drizzle-orm/d1";
import { createMiddleware } from "hono/factory";
import type { AppEnv, Database } from "../env";
import * as schema from "./schema";

const clients = new WeakMap<D1Database, Database>();

/** The drizzle client of a D1 binding, built once per binding and isolate (it holds no request state). */
export function createDb(d1: D1Database): Database {
  let db = clients.get(d1);
  if (!db) {
    db = drizzle(d1, { schema });
    clients.set(d1, db);
  }
  return db;
}

/** Hands each request a drizzle client as `c.var.db`. */
export const dbMiddleware = createMiddleware<AppEnv>(async (c, next) => {
  c.set("db", createDb(c.env.DB));
  await next();
});
