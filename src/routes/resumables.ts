import { type Context, Hono } from "hono";
import { binaryUrl, toManagedObject } from "../c8y/managed-object";
import { MANAGED_OBJECT_MEDIA_TYPE } from "../c8y/media-types";
import { collectionStream, offsetOf, parsePaging } from "../c8y/paging";
import { readConfig } from "../config";
import type { AppEnv } from "../env";
import { wantsBody } from "../http/headers";
import {
  answerAppend,
  answerCreation,
  answerOptions,
  answerStatus,
  answerTermination,
  type ResumableAnswer,
  type ResumableRequest,
  TUS_VERSION,
} from "../resumable/protocol";
import { listResumables } from "../resumable/service";
import { originOf, rejectOtherMethods, storesOf } from "./context";

/**
 * /inventory/binaries/uploads: resumable uploads (docs/api.md#resumable-uploads), tus 1.0.0 and the IETF draft
 * on the same resources. Thin: one exchange of resumable/protocol per request (headers in, lifecycle step, headers
 * out); this file hands it the request without Hono and sends its answer.
 */
export const resumablesRoutes = new Hono<AppEnv>();

type Ctx = Context<AppEnv>;

// tus: every answer (errors included) names the protocol version.
resumablesRoutes.use("*", async (c, next) => {
  await next();
  c.res.headers.set("Tus-Resumable", TUS_VERSION);
});

const urlsOf = (c: Ctx) => ({
  upload: (id: string) => `${originOf(c)}/inventory/binaries/uploads/${id}`,
  binary: (id: number) => binaryUrl(originOf(c), id),
});
const requestOf = (c: Ctx): ResumableRequest => ({
  header: (name) => c.req.header(name),
  body: c.req.raw.body,
  urls: urlsOf(c),
  nowMs: Date.now(),
});

/** Sends an exchange's answer; a draft request that completed the upload gets POST's or PUT's body (Accept rule). */
function send(c: Ctx, answer: ResumableAnswer): Response {
  const { status, headers, binary } = answer;
  if (!binary || !wantsBody(c.req.header("Accept"))) return c.body(null, status, headers);
  const body = JSON.stringify(toManagedObject(binary, binaryUrl(originOf(c), binary.id)));
  return c.body(body, 201, { ...headers, "Content-Type": MANAGED_OBJECT_MEDIA_TYPE }); // a binary: always 201
}

// Before authentication (a CORS preflight has no credentials): no stores, only the configured limit.
resumablesRoutes.options("/*", (c) => send(c, answerOptions(readConfig(c.env).tusMaxSize)));

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

resumablesRoutes.post("/", async (c) => send(c, await answerCreation(storesOf(c), c.var.principal, requestOf(c))));

/** HEAD (and GET): where the upload stands, for both protocols. */
resumablesRoutes.get("/:uploadId", async (c) =>
  send(c, await answerStatus(storesOf(c), c.var.principal, c.req.param("uploadId"), requestOf(c))),
);

const patch = async (c: Ctx) =>
  send(c, await answerAppend(storesOf(c), c.var.principal, c.req.param("uploadId") ?? "", requestOf(c)));
const remove = async (c: Ctx) =>
  send(c, await answerTermination(storesOf(c), c.var.principal, c.req.param("uploadId") ?? "", requestOf(c)));

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
