import { Hono } from "hono";
import { binaryFilterFor } from "../binaries/list-filter";
import { countSelected } from "../binaries/listing";
import { updateMetadata } from "../binaries/metadata";
import { loadBinary, removeBinary } from "../binaries/service";
import { parseId } from "../c8y/ids";
import { managedObjectUrl, REFERENCE_COLLECTIONS, toManagedObject } from "../c8y/managed-object";
import { MANAGED_OBJECT_MEDIA_TYPE, MANAGED_OBJECT_REFERENCE_COLLECTION_MEDIA_TYPE } from "../c8y/media-types";
import { collectionBody, parsePaging, wantsTotal } from "../c8y/paging";
import { readConfig } from "../config";
import type { AppEnv } from "../env";
import { binaryCollection } from "./binary-collection";
import { c8yJson, c8yWritten, originOf, readJsonObject, rejectOtherMethods, storesOf } from "./context";

/** /inventory/managedObjects/{id} for binaries: read, update metadata, delete (docs/api.md#endpoints). */
export const managedObjectsRoutes = new Hono<AppEnv>();

/**
 * The tenant's binaries as Cumulocity's managed object collection (docs/api.md#inventory-queries): paging,
 * type, owner, ids, text, fragmentType and the query language, with `self` under managedObjects.
 */
managedObjectsRoutes.get("/", async (c) => {
  const paging = parsePaging((name) => c.req.query(name));
  const query = { one: (name: string) => c.req.query(name), all: (name: string) => c.req.queries(name) };
  const filter = binaryFilterFor(c.var.principal, query);
  const total = wantsTotal(paging) ? await countSelected(c.var.db, filter) : undefined;
  const origin = originOf(c);
  return binaryCollection(c, filter, paging, total, (id) => managedObjectUrl(origin, id));
});

/** How many managed objects the same filters select (the official client's inventory.count()). */
managedObjectsRoutes.get("/count", async (c) => {
  const query = { one: (name: string) => c.req.query(name), all: (name: string) => c.req.queries(name) };
  const filter = binaryFilterFor(c.var.principal, query);
  const total = await countSelected(c.var.db, filter);
  return c.json(total);
});

managedObjectsRoutes.get("/:id", async (c) => {
  const row = await loadBinary(c.var.db, c.var.principal, parseId(c.req.param("id")), "read");
  return c8yJson(c, toManagedObject(row, managedObjectUrl(originOf(c), row.id)), MANAGED_OBJECT_MEDIA_TYPE);
});

/** Name, type and fragments (binaries/service's updateMetadata); the bytes never change here. */
managedObjectsRoutes.put("/:id", async (c) => {
  const id = parseId(c.req.param("id"));
  const { maxJsonSize } = readConfig(c.env);
  const updated = await updateMetadata(c.var.db, c.var.principal, id, () => readJsonObject(c), maxJsonSize);
  const body = toManagedObject(updated, managedObjectUrl(originOf(c), updated.id));
  return c8yWritten(c, body, MANAGED_OBJECT_MEDIA_TYPE, 200);
});

managedObjectsRoutes.delete("/:id", async (c) => {
  await removeBinary(storesOf(c), c.var.principal, parseId(c.req.param("id")));
  return c.body(null, 204);
});

/** A binary's reference collections (childAdditions, …): always empty, paged like every collection. */
for (const name of REFERENCE_COLLECTIONS) {
  managedObjectsRoutes.get(`/:id/${name}`, async (c) => {
    const row = await loadBinary(c.var.db, c.var.principal, parseId(c.req.param("id")), "read");
    const paging = parsePaging((key) => c.req.query(key));
    const body = collectionBody(c.req.url, paging, "references", [], wantsTotal(paging) ? 0 : undefined);
    return c8yJson(
      c,
      { ...body, self: `${managedObjectUrl(originOf(c), row.id)}/${name}` },
      MANAGED_OBJECT_REFERENCE_COLLECTION_MEDIA_TYPE,
    );
  });
  managedObjectsRoutes.all(`/:id/${name}`, rejectOtherMethods("GET"));
}

managedObjectsRoutes.all("/", rejectOtherMethods("GET"));
managedObjectsRoutes.all("/count", rejectOtherMethods("GET"));
managedObjectsRoutes.all("/:id", rejectOtherMethods("GET, PUT, DELETE"));
