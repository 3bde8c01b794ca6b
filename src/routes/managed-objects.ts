import { Hono } from "hono";
import { loadBinary, removeBinary } from "../binaries/service";
import { parseId } from "../c8y/ids";
import { clientFields, managedObjectUrl, toManagedObject } from "../c8y/managed-object";
import { MANAGED_OBJECT_MEDIA_TYPE } from "../c8y/media-types";
import { updateMetadata } from "../db/binaries";
import type { AppEnv } from "../env";
import { notFound } from "../errors";
import { c8yJson, originOf, readJsonObject, rejectOtherMethods, storesOf } from "./context";

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
  const fragments = { ...row.fragments };
  for (const [name, value] of Object.entries(fields.fragments)) {
    if (value === null) delete fragments[name];
    else fragments[name] = value;
  }
  const updated = await updateMetadata(c.var.db, row.tenant, row.id, {
    name: fields.name || row.name,
    type: fields.type || row.type,
    fragments,
    lastUpdated: new Date().toISOString(),
  });
  if (!updated) throw notFound("Managed object");
  return c8yJson(c, toManagedObject(updated, managedObjectUrl(originOf(c), updated.id)), MANAGED_OBJECT_MEDIA_TYPE);
});

managedObjectsRoutes.delete("/:id", async (c) => {
  await removeBinary(storesOf(c), c.var.principal, parseId(c.req.param("id")));
  return c.body(null, 204);
});

managedObjectsRoutes.all("/:id", rejectOtherMethods("GET, PUT, DELETE"));
