import { Hono } from "hono";
import type { AppEnv } from "../env";
import { notFound } from "../errors";
import { updateMetadata } from "../db/binaries";
import { loadBinary, removeBinary } from "../binaries/service";
import { methodNotAllowed, readTextCapped } from "../http/headers";
import { clientFields, managedObjectUrl, MANAGED_OBJECT_MEDIA_TYPE, parseJsonObject, toManagedObject } from "../c8y/managed-object";
import { readConfig } from "../config";
import { storesOf } from "./context";

/** /inventory/managedObjects/{id} for binaries: read, update metadata, delete (SPEC §1). */
export const managedObjectsRoutes = new Hono<AppEnv>();

managedObjectsRoutes.get("/:id", async (c) => {
  const row = await loadBinary(c.var.db, c.var.principal, c.req.param("id"), "read");
  const body = toManagedObject(row, managedObjectUrl(new URL(c.req.url).origin, row.id));
  return c.body(JSON.stringify(body), 200, { "Content-Type": MANAGED_OBJECT_MEDIA_TYPE });
});

/**
 * Changes name, type and fragments as Cumulocity does: fragments sent replace those of the same
 * name, `null` removes one, the rest stay; length, contentType and the bytes never change here.
 */
managedObjectsRoutes.put("/:id", async (c) => {
  const row = await loadBinary(c.var.db, c.var.principal, c.req.param("id"), "write");
  const text = await readTextCapped(c.req.raw.body, readConfig(c.env).maxJsonSize);
  const fields = clientFields(parseJsonObject(text, "The body"));
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
  const body = toManagedObject(updated, managedObjectUrl(new URL(c.req.url).origin, updated.id));
  return c.body(JSON.stringify(body), 200, { "Content-Type": MANAGED_OBJECT_MEDIA_TYPE });
});

managedObjectsRoutes.delete("/:id", async (c) => {
  await removeBinary(storesOf(c), c.var.principal, c.req.param("id"));
  return c.body(null, 204);
});

managedObjectsRoutes.all("/:id", methodNotAllowed("GET, PUT, DELETE"));
