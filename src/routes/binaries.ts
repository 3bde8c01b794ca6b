import { Hono } from "hono";
import { linkLifetime, mintLink } from "../binaries/links";
import { binaryFilterFor } from "../binaries/list-filter";
import { countSelected } from "../binaries/listing";
import { loadSelection } from "../binaries/selection";
import {
  createBinary,
  loadBinary,
  type Precondition,
  primaryRevision,
  removeBinary,
  replaceBinary,
} from "../binaries/service";
import { parseId, parseIds } from "../c8y/ids";
import { binaryUrl } from "../c8y/managed-object";
import { parsePaging, wantsTotal } from "../c8y/paging";
import { CREATE_BINARIES } from "../c8y/roles";
import { readConfig } from "../config";
import { binaryResponse } from "../downloads/binary-response";
import { BufferPool, fixedLength, r2Source, zipStream } from "../downloads/zip-archive";
import type { AppEnv } from "../env";
import { hasWritePreconditions, writePreconditionsHold } from "../http/conditional";
import { contentLength } from "../http/headers";
import { storedContentType } from "../http/media-type";
import { revisionOf, validatorsOf } from "../revisions/revision";
import { binaryCollection } from "./binary-collection";
import {
  bucketOf,
  c8yJson,
  edgeCacheOf,
  originOf,
  readOptionalJsonObject,
  rejectOtherMethods,
  storesOf,
} from "./context";
import { createdBinary } from "./created-binary";
import { requireAnyRole } from "./middleware";

/** The If-Match / If-Unmodified-Since of a PUT or DELETE, as a check on the row it would change. */
function preconditionOf(headers: Headers): Precondition | undefined {
  if (!hasWritePreconditions(headers)) return undefined;
  return (row) => writePreconditionsHold(headers, validatorsOf(row));
}

/**
 * /inventory/binaries: list, upload, download, replace, delete (docs/api.md#endpoints,
 * docs/api.md#collection-and-paging, docs/api.md#upload-post, docs/api.md#download-get-head, docs/api.md#replace-put).
 */
export const binariesRoutes = new Hono<AppEnv>();

binariesRoutes.get("/", async (c) => {
  const paging = parsePaging((name) => c.req.query(name));
  const query = { one: (name: string) => c.req.query(name), all: (name: string) => c.req.queries(name) };
  const filter = binaryFilterFor(c.var.principal, query);
  const total = wantsTotal(paging) ? await countSelected(c.var.db, filter) : undefined;
  const origin = originOf(c);
  return binaryCollection(c, filter, paging, total, (id) => binaryUrl(origin, id));
});

binariesRoutes.post("/", requireAnyRole(...CREATE_BINARIES), async (c) => {
  const row = await createBinary(storesOf(c), c.var.principal, c.req.raw.body, c.req.header("Content-Type"));
  return createdBinary(c, row, true);
});

// Before /:id, which would otherwise take "zip" (and answer 404: not an id).
binariesRoutes.get("/zip", async (c) => {
  const rows = await loadSelection(c.var.db, c.var.principal, parseIds(c.req.queries("ids")) ?? []);
  const entries = rows.map((row) => ({ ...revisionOf(row), id: row.id }));
  const pool = new BufferPool();
  const zip = zipStream(entries, r2Source(bucketOf(c), pool));
  // A fixed-length stream: the worker sends Content-Length, so clients show real progress.
  const body = fixedLength(zip.body, zip.length, pool);
  return new Response(body, {
    headers: {
      "Content-Type": "application/zip",
      "Content-Length": String(zip.length),
      "Content-Disposition": 'attachment; filename="binaries.zip"',
      "Cache-Control": "private, no-store, no-transform",
      "Content-Encoding": "identity",
    },
    encodeBody: "manual",
  });
});

binariesRoutes.get("/:id", async (c) => {
  const id = parseId(c.req.param("id"));
  const row = await loadBinary(c.var.db, c.var.principal, id, "read");
  // R2 without the row's key means a replica's row predates a replace: ask the primary once.
  const reload = () => primaryRevision(c.var.db, c.var.principal, id);
  return await binaryResponse(bucketOf(c), edgeCacheOf(c), revisionOf(row), c.req.raw, { reload });
});

binariesRoutes.post("/:id/links", async (c) => {
  const row = await loadBinary(c.var.db, c.var.principal, parseId(c.req.param("id")), "read");
  const lifetime = linkLifetime(await readOptionalJsonObject(c));
  const { linkKeys } = readConfig(c.env);
  const link = await mintLink(row, originOf(c), lifetime, linkKeys, Date.now(), c.var.route.region.name);
  return c8yJson(c, link, "application/json", 201);
});

binariesRoutes.put("/:id", async (c) => {
  const content = {
    body: c.req.raw.body,
    length: contentLength(c.req.header("Content-Length")),
    contentType: storedContentType(c.req.header("Content-Type")),
  };
  const id = parseId(c.req.param("id"));
  const row = await replaceBinary(storesOf(c), c.var.principal, id, content, preconditionOf(c.req.raw.headers));
  c.header("ETag", validatorsOf(row).etag);
  return createdBinary(c, row);
});

binariesRoutes.delete("/:id", async (c) => {
  const id = parseId(c.req.param("id"));
  await removeBinary(storesOf(c), c.var.principal, id, preconditionOf(c.req.raw.headers));
  return c.body(null, 204);
});

binariesRoutes.all("/", rejectOtherMethods("GET, POST"));
binariesRoutes.all("/zip", rejectOtherMethods("GET, HEAD"));
binariesRoutes.all("/:id", rejectOtherMethods("GET, HEAD, PUT, DELETE"));
binariesRoutes.all("/:id/links", rejectOtherMethods("POST"));
