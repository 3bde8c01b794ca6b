import { Hono, type Context } from "hono";
import { requireAnyRole } from "../auth/authorize";
import { Roles } from "../c8y/roles";
import type { AppEnv } from "../env";
import { countBinaries, listBinaries } from "../db/binaries";
import { createBinary, loadBinary, preconditionFailed, removeBinary, replaceBinary } from "../binaries/service";
import type { BinaryRow } from "../db/schema";
import { binaryResponse, validatorsOf } from "../downloads/binary-response";
import { hasWritePreconditions, writePreconditionsHold } from "../http/conditional";
import { acceptsJson, contentLength, methodNotAllowed } from "../http/headers";
import { binaryUrl, COLLECTION_MEDIA_TYPE, MANAGED_OBJECT_MEDIA_TYPE, toManagedObject } from "../c8y/managed-object";
import { collectionBody, offsetOf, parsePaging, wantsTotal } from "../c8y/paging";
import { binaryFilterFor } from "../binaries/list-filter";
import { edgeCacheOf, storesOf } from "./context";

/** 201 for an upload or replace: the managed object when the client's Accept asks for JSON. */
function created(c: Context<AppEnv>, row: BinaryRow): Response {
  const self = binaryUrl(new URL(c.req.url).origin, row.id);
  if (!acceptsJson(c.req.header("Accept"))) return c.body(null, 201);
  return c.body(JSON.stringify(toManagedObject(row, self)), 201, { "Content-Type": MANAGED_OBJECT_MEDIA_TYPE });
}

/** /inventory/binaries: list, upload, download, replace, delete (SPEC §1, 3–6). */
export const binariesRoutes = new Hono<AppEnv>();

binariesRoutes.get("/", async (c) => {
  const paging = parsePaging((name) => c.req.query(name));
  const filter = binaryFilterFor(c.var.principal, { one: (name) => c.req.query(name), all: (name) => c.req.queries(name) });
  const rows = filter ? await listBinaries(c.var.db, filter, paging.pageSize, offsetOf(paging)) : [];
  const total = wantsTotal(paging) ? (filter ? await countBinaries(c.var.db, filter) : 0) : undefined;
  const origin = new URL(c.req.url).origin;
  const items = rows.map((row) => toManagedObject(row, binaryUrl(origin, row.id)));
  const body = collectionBody(c.req.url, paging, "managedObjects", items, total);
  return c.body(JSON.stringify(body), 200, { "Content-Type": COLLECTION_MEDIA_TYPE });
});

binariesRoutes.post("/", requireAnyRole(Roles.inventoryAdmin, Roles.inventoryCreate), async (c) => {
  const row = await createBinary(storesOf(c), c.var.principal, c.req.raw.body, c.req.header("Content-Type"));
  c.header("Location", binaryUrl(new URL(c.req.url).origin, row.id));
  return created(c, row);
});

binariesRoutes.get("/:id", async (c) => {
  const row = await loadBinary(c.var.db, c.var.principal, c.req.param("id"), "read");
  return await binaryResponse(c.env.BUCKET, edgeCacheOf(c), row, c.req.raw);
});

binariesRoutes.put("/:id", async (c) => {
  const current = await loadBinary(c.var.db, c.var.principal, c.req.param("id"), "write");
  const conditional = hasWritePreconditions(c.req.raw.headers);
  if (conditional && !writePreconditionsHold(c.req.raw.headers, validatorsOf(current))) throw preconditionFailed();
  const length = contentLength(c.req.header("Content-Length"));
  const contentType = c.req.header("Content-Type") ?? "application/octet-stream";
  const row = await replaceBinary(storesOf(c), c.var.principal, current, c.req.raw.body, length, contentType, conditional);
  c.header("ETag", validatorsOf(row).etag);
  return created(c, row);
});

binariesRoutes.delete("/:id", async (c) => {
  const headers = c.req.raw.headers;
  const precondition = hasWritePreconditions(headers) ? (row: BinaryRow) => writePreconditionsHold(headers, validatorsOf(row)) : undefined;
  await removeBinary(storesOf(c), c.var.principal, c.req.param("id"), precondition);
  return c.body(null, 204);
});

binariesRoutes.all("/", methodNotAllowed("GET, POST"));
binariesRoutes.all("/:id", methodNotAllowed("GET, HEAD, PUT, DELETE"));
