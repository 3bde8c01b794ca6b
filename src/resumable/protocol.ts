/**
 * The two resumable-upload protocols spoken on /inventory/binaries/uploads (docs/api.md#resumable-uploads):
 * tus 1.0.0 and the IETF draft "Resumable Uploads for HTTP", on the same resources. The route calls one exchange
 * per request (answerCreation, answerAppend, answerStatus, answerTermination, answerOptions): it reads the
 * headers (request-headers.ts), runs the lifecycle step (create.ts, append.ts, expire.ts, state.ts) and writes the
 * answer's headers (response-headers.ts), so a request passes each file once on its way down and back. No Hono
 * here: the route hands in `header(name)` and the body, and sends what comes back.
 */
import type { Principal } from "../auth/principal";
import { mayCreate } from "../binaries/policy";
import type { Stores } from "../binaries/service";
import type { BinaryRow } from "../db/schema";
import { forbidden } from "../errors";
import { validatorsOf } from "../revisions/revision";
import { type AppendOutcome, appendToResumable } from "./append";
import { createResumable } from "./create";
import { terminateResumable } from "./expire";
import { appendsOnCreation, type HeaderOf, isTus, parseAppend, parseCreation } from "./request-headers";
import {
  appendedHeaders,
  capabilities,
  createdHeaders,
  draftCompletedHeaders,
  statusOf,
  type Urls,
} from "./response-headers";
import { loadResumable } from "./state";

export type { HeaderOf } from "./request-headers";
export type { Urls } from "./response-headers";
export { TUS_VERSION } from "./tus-headers";

// --- The exchanges: what the route calls, one per request. Each reads the headers, runs the lifecycle step and
// writes the answer's headers here, so a request goes route -> protocol -> lifecycle and back up once.

/** A request as the exchanges need it: its headers and body (no Hono), where answers point, and the clock. */
export interface ResumableRequest {
  header: HeaderOf;
  body: ReadableStream<Uint8Array> | null;
  urls: Urls;
  nowMs: number;
}

/**
 * An answer for the route to send. `binary` is set when a draft request completed the upload: the answer is then
 * what POST or PUT would give, and the route adds the managed object when the Accept rule asks for it.
 */
export interface ResumableAnswer {
  status: 200 | 201 | 204;
  headers: Record<string, string>;
  binary?: BinaryRow;
}

/** The draft's answer to a request that completed the upload (201, as POST or PUT). */
function draftCompleted(outcome: AppendOutcome, urls: Urls): ResumableAnswer {
  const binary = outcome.binary!;
  return { status: 201, headers: draftCompletedHeaders(outcome, urls, validatorsOf(binary).etag), binary };
}

/** POST: creates an upload (tus creation, creation-with-upload; the draft's upload creation). */
export async function answerCreation(
  stores: Stores,
  principal: Principal,
  request: ResumableRequest,
): Promise<ResumableAnswer> {
  const { header, body, urls, nowMs } = request;
  const creation = parseCreation(header, body !== null, stores.config.maxJsonSize, (intent) => {
    if (intent.binaryId === undefined && !mayCreate(principal)) throw forbidden();
  });
  let upload = await createResumable(stores, principal, { ...creation.create, nowMs });
  let outcome: AppendOutcome | undefined;
  if (appendsOnCreation(creation)) {
    try {
      outcome = await appendToResumable(stores, principal, upload.id, {
        offset: 0,
        body,
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
  if (creation.draft && outcome?.binary) return draftCompleted(outcome, urls);
  return { status: 201, headers: createdHeaders(creation, upload, outcome, urls, stores.config.tusMaxSize) };
}

/** PATCH: appends the body (and completes the upload when it is whole). */
export async function answerAppend(
  stores: Stores,
  principal: Principal,
  id: string,
  request: ResumableRequest,
): Promise<ResumableAnswer> {
  const { header, body, urls, nowMs } = request;
  const { draft, append } = parseAppend(header, body !== null);
  const outcome = await appendToResumable(stores, principal, id, { ...append, body, nowMs });
  if (draft && outcome.binary) return draftCompleted(outcome, urls);
  return { status: 204, headers: appendedHeaders(draft, outcome, urls, (binary) => validatorsOf(binary).etag) };
}

/** HEAD (and GET): where the upload stands. */
export async function answerStatus(
  stores: Stores,
  principal: Principal,
  id: string,
  request: ResumableRequest,
): Promise<ResumableAnswer> {
  const tus = isTus(request.header);
  const upload = await loadResumable(stores.db, principal, id, request.nowMs);
  return statusOf(tus, upload, request.urls, stores.config.tusMaxSize);
}

/** DELETE: termination (tus) or cancellation (the draft). */
export async function answerTermination(
  stores: Stores,
  principal: Principal,
  id: string,
  request: ResumableRequest,
): Promise<ResumableAnswer> {
  isTus(request.header);
  await terminateResumable(stores, principal, id, request.nowMs);
  return { status: 204, headers: {} };
}

/** OPTIONS: what the server speaks. */
export function answerOptions(maxSize: number): ResumableAnswer {
  return { status: 204, headers: capabilities(maxSize) };
}
