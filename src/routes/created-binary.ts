import type { Context } from "hono";
import { binaryUrl, toManagedObject } from "../c8y/managed-object";
import { MANAGED_OBJECT_MEDIA_TYPE } from "../c8y/media-types";
import type { BinaryRow } from "../db/schema";
import type { AppEnv } from "../env";
import { acceptsJson } from "../http/headers";
import { c8yJson, originOf } from "./context";

/** 201 for an upload or replace: the managed object when the client's Accept asks for JSON. */
export function createdBinary(c: Context<AppEnv>, row: BinaryRow): Response {
  if (!acceptsJson(c.req.header("Accept"))) return c.body(null, 201);
  return c8yJson(c, toManagedObject(row, binaryUrl(originOf(c), row.id)), MANAGED_OBJECT_MEDIA_TYPE, 201);
}
