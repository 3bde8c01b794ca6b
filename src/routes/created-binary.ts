import type { Context } from "hono";
import type { BinaryRow } from "../binaries/service";
import { binaryUrl, toManagedObject } from "../c8y/managed-object";
import { MANAGED_OBJECT_MEDIA_TYPE } from "../c8y/media-types";
import type { AppEnv } from "../env";
import { c8yWritten, originOf } from "./context";

/**
 * 201 for an upload or replace: the managed object when the request has an Accept header (docs/api.md#media-types);
 * an upload (POST) also names the new binary in Location.
 */
export function createdBinary(c: Context<AppEnv>, row: BinaryRow, located = false): Response {
  const self = binaryUrl(originOf(c), row.id);
  return c8yWritten(c, toManagedObject(row, self), MANAGED_OBJECT_MEDIA_TYPE, 201, located ? { Location: self } : {});
}
