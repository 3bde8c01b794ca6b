import { type Context, Hono } from "hono";
import { mayCreate } from "../binaries/policy";
import { binaryUrl, toManagedObject } from "../c8y/managed-object";
import { MANAGED_OBJECT_MEDIA_TYPE } from "../c8y/media-types";
import { collectionStream, offsetOf, parsePaging } from "../c8y/paging";
import { readConfig } from "../config";
import type { AppEnv } from "../env";
import { forbidden } from "../errors";
import { wantsBody } from "../http/headers";
import {
  appendedHeaders,
  appendsOnCreation,
  capabilities,
  createdHeaders,
  draftCompletedHeaders,
  type HeaderOf,
  isTus,
  parseAppend,
  parseCreation,
  statusOf,
  TUS_VERSION,
  type Urls,
} from "../resumable/protocol";
import {
  type AppendOutcome,
  appendToResumable,
  createResumable,
  listResumables,
  loadResumable,
  terminateResumable,
} from "../resumable/service";
import { validatorsOf } from "../revisions/revision";
import { originOf, rejectOtherMethods, storesOf } from "./context";

/**
 * /inventory/binaries/uploads: resumable uploads (docs/api.md#resumable-uploads), tus 1.0.0 and the IETF draft
 * on the same resources. Thin: resumable/protocol reads the headers and writes the answers' headers,
 * resumable/service does the work.
 */
export const resumablesRoutes = new Hono<AppEnv>();

type Ctx = Context<AppEnv>;

// tus: every answer (errors included) names the protocol version.
resumablesRoutes.use("*", async (c, next) => {
  await next();
  c.res.headers.set("Tus-Resumable", TUS_VERSION);
});

const headerOf =
  (c: Ctx): HeaderOf =>
  (name) =>
    c.req.header(name);
const urlsOf = (c: Ctx): Urls => ({
  upload: (id) => `${originOf(c)}/inventory/binaries/uploads/${id}`,
  binary: (id) => binaryUrl(originOf(c), id),
});
const maxSizeOf = (c: Ctx) => readConfig(c.env).tusMaxSize;

/** The draft's answer to a request that completed the upload: what POST or PUT would answer. */
function draftCompleted(c: Ctx, outcome: AppendOutcome): Response {
  const binary = outcome.binary!;
  const headers = draftCompletedHeaders(outcome, urlsOf(c), validatorsOf(binary).etag);
  if (!wantsBody(c.req.header("Accept"))) return c.body(null, 201, headers);
  const body = JSON.stringify(toManagedObject(binary, binaryUrl(originOf(c), binary.id)));
  return c.body(body, 201, { ...headers, "Content-Type": MANAGED_OBJECT_MEDIA_TYPE });
}

resumablesRoutes.options("/*", (c) => c.body(null, 204, capabilities(maxSizeOf(c))));

resumablesRoutes.get("/", async (c) => {
  const paging = parsePaging((name) => c.req.query(name));
  const nowMs = Date.now();
  const urls = urlsOf(c);
  // Streamed a byte-bounded batch at a time (docs/api.md#resumable-endpoints): memory one batch, not the page.
  async function* pages(): AsyncGenerator<unknown[], void, undefined> {
    for await (const rows of listResumables(c.var.db, c.var.principal, nowMs, paging.pageSize, offsetOf(paging))) {
      yield rows.map((row) => ({
        id: row.id,
        self: urls.upload(row.id),
        offset: row.received,
        ...(row.length === null ? {} : { length: row.length }),
        name: row.name,
        type: row.type,
        contentType: row.contentType,
        ...(row.replace ? { binaryId: String(row.binaryId) } : {}),
        creationTime: new Date(row.createdMs).toISOString(),
        expires: new Date(row.expiresMs).toISOString(),
      }));
    }
  }
  const batches = pages();
  const first = await batches.next();
  const body = collectionStream(c.req.url, paging, "uploads", first.done ? [] : first.value, batches, undefined);
  return c.body(body, 200, { "Content-Type": "application/json" });
});

resumablesRoutes.post("/", async (c) => {
  const nowMs = Date.now();
  const principal = c.var.principal;
  const creation = parseCreation(headerOf(c), c.req.raw.body !== null, readConfig(c.env).maxJsonSize, (intent) => {
    if (intent.binaryId === undefined && !mayCreate(principal)) throw forbidden();
  });
  const stores = storesOf(c);
  let upload = await createResumable(stores, principal, { ...creation.create, nowMs });
  let outcome: AppendOutcome | undefined;
  if (appendsOnCreation(creation)) {
    try {
      outcome = await appendToResumable(stores, principal, upload.id, {
        offset: 0,
        body: c.req.raw.body,
        contentLength: creation.bodyLength,
        declaredLength: undefined,
        complete: creation.complete === true,
        checksum: creation.checksum,
        nowMs,
      });
    } catch (error) {
      // A refused creation-with-upload (bad checksum, too much data, ...) answers without a
      // Location, so nobody could ever resume it: it leaves no upload behind.
      await terminateResumable(stores, principal, upload.id, nowMs).catch(() => undefined);
      throw error;
    }
    upload = outcome.upload;
  }
  if (creation.draft && outcome?.binary) return draftCompleted(c, outcome);
  return c.body(null, 201, createdHeaders(creation, upload, outcome, urlsOf(c), maxSizeOf(c)));
});

/** HEAD (and GET): where the upload stands, for both protocols. */
resumablesRoutes.get("/:uploadId", async (c) => {
  const tus = isTus(headerOf(c));
  const upload = await loadResumable(c.var.db, c.var.principal, c.req.param("uploadId"), Date.now());
  const { status, headers } = statusOf(tus, upload, urlsOf(c), maxSizeOf(c));
  return c.body(null, status, headers);
});

async function patch(c: Ctx): Promise<Response> {
  const nowMs = Date.now();
  const { draft, append } = parseAppend(headerOf(c), c.req.raw.body !== null);
  const outcome = await appendToResumable(storesOf(c), c.var.principal, c.req.param("uploadId") ?? "", {
    ...append,
    body: c.req.raw.body,
    nowMs,
  });
  if (draft && outcome.binary) return draftCompleted(c, outcome);
  return c.body(
    null,
    204,
    appendedHeaders(draft, outcome, urlsOf(c), (binary) => validatorsOf(binary).etag),
  );
}

async function remove(c: Ctx): Promise<Response> {
  isTus(headerOf(c));
  await terminateResumable(storesOf(c), c.var.principal, c.req.param("uploadId") ?? "", Date.now());
  return c.body(null, 204);
}

resumablesRoutes.patch("/:uploadId", patch);
resumablesRoutes.delete("/:uploadId", remove);
// tus: clients behind proxies that only pass GET and POST send the real method in X-HTTP-Method-Override.
resumablesRoutes.post("/:uploadId", async (c) => {
  const method = c.req.header("X-HTTP-Method-Override")?.toUpperCase();
  if (method === "PATCH") return patch(c);
  if (method === "DELETE") return remove(c);
  throw rejectOtherMethods("GET, HEAD, PATCH, DELETE, OPTIONS")();
});
resumablesRoutes.all("/", rejectOtherMethods("GET, POST, OPTIONS"));
resumablesRoutes.all("/:uploadId", rejectOtherMethods("GET, HEAD, PATCH, DELETE, OPTIONS"));
