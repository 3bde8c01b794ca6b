import { Hono } from "hono";
import { loadBinary, removeBinary } from "../binaries/service";
import { parseId } from "../c8y/ids";
import { clientFields, managedObjectUrl, toManagedObject } from "../c8y/managed-object";
import { MANAGED_OBJECT_MEDIA_TYPE } from "../c8y/media-types";
import { readConfig } from "../config";
import { findBinary, mergeMetadata } from "../db/binaries";
import { primaryOf } from "../db/client";
import type { AppEnv } from "../env";
import { fragmentsTooLarge, notFound } from "../errors";
import { c8yJson, c8yWritten, originOf, readJsonObject, rejectOtherMethods, storesOf } from "./context";

/** /inventory/managedObjects/{id} for binaries: read, update metadata, delete (docs/api.md §1). */
export const managedObjectsRoutes = new Hono<AppEnv>();

managedObjectsRoutes.get("/:id", async (c) => {
  const row = await loadBinary(c.var.db, c.var.principal, parseId(c.req.param("id")), "read");
  return c8yJson(c, toManagedObject(row, managedObjectUrl(originOf(c), row.id)), MANAGED_OBJECT_MEDIA_TYPE);
});

/**
 * Changes name, type and fragments as Cumulocity does: fragments sent replace those of the same
 * name, `null` removes one, the rest stay; length, contentType and the bytes never change here.
 */
managedObjectsRoutes.put("/:id", async (c) => {
  const row = await loadBinary(c.var.db, c.var.principal, parseId(c.req.param("id")), "write");
  const fields = clientFields(await readJsonObject(c));
  const change = { ...fields, lastUpdated: new Date().toISOString() };
  const { maxJsonSize } = readConfig(c.env);
  // One statement merges the fragments, so concurrent PUTs of different fragments all survive.
  const updated = await mergeMetadata(c.var.db, row.tenant, row.id, change, maxJsonSize);
  if (!updated) {
    if (await findBinary(primaryOf(c.var.db), row.tenant, row.id)) throw fragmentsTooLarge(maxJsonSize);
    throw notFound("Managed object");
  }
  const body = toManagedObject(updated, managedObjectUrl(originOf(c), updated.id));
  return c8yWritten(c, body, MANAGED_OBJECT_MEDIA_TYPE, 200);
});

managedObjectsRoutes.delete("/:id", async (c) => {
  await removeBinary(storesOf(c), c.var.principal, parseId(c.req.param("id")));
  return c.body(null, 204);
});

managedObjectsRoutes.all("/:id", rejectOtherMethods("GET, PUT, DELETE"));
