import type { Context } from "hono";
import { readConfig } from "../config";
import type { AppEnv } from "../env";
import type { Stores } from "../storage/binary-store";

/** The stores a handler passes on to storage functions, so those never see a Context. */
export function storesOf(c: Context<AppEnv>): Stores {
  return { db: c.var.db, bucket: c.env.BUCKET, config: readConfig(c.env) };
}
