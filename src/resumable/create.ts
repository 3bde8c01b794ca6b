/** Creating a resumable upload (docs/api.md#resumable-uploads): the row, nothing in R2 yet. */
import type { Principal } from "../auth/principal";
import { loadBinary, type Stores } from "../binaries/service";
import { MAX_NAME_LENGTH } from "../c8y/client-fields";
import { insertResumable } from "../db/resumables";
import type { ResumableRow } from "../db/schema";
import { noteCommitted } from "../db/usage-hints";
import { invalidRequest, preconditionFailed, tooLarge, tooManyOpenResumables } from "../errors";
import { PausableDigests } from "../hashing/pausable-digests";
import { ifMatchHolds } from "../http/conditional";
import { objectKey } from "../r2/objects";
import { validatorsOf } from "../revisions/revision";
import type { ResumableIntent } from "./metadata";
import { PLANNED_PARTS } from "./state";

const MIB = 1024 * 1024;
/** R2's largest part. */
const MAX_PART_SIZE = 5 * 1024 * MIB;

/** The part size for an upload: fits `length` into the planned part count; the deferred default otherwise. */
export function partSizeFor(length: number | undefined, minPartSize: number, deferredPartSize: number): number {
  if (length === undefined) return deferredPartSize;
  const needed = Math.ceil(length / PLANNED_PARTS / MIB) * MIB;
  return Math.min(MAX_PART_SIZE, Math.max(minPartSize, needed));
}

/** The largest length an upload with `partSize` parts can reach. */
export function capacityOf(partSize: number): number {
  return partSize * PLANNED_PARTS;
}

export interface CreateInput {
  length: number | undefined;
  intent: ResumableIntent;
  /** Upload-Metadata as sent, echoed by HEAD. */
  rawMetadata: string | undefined;
  /** If-Match / If-Unmodified-Since for a replace, checked when the upload completes. */
  ifMatch: string | undefined;
  wantSha256: boolean;
  nowMs: number;
}

/** Creates an upload resource (docs/api.md#resumable-uploads): checks the rights a POST or PUT would need. */
export async function createResumable(
  { db, config }: Stores,
  principal: Principal,
  input: CreateInput,
): Promise<ResumableRow> {
  const { intent, length } = input;
  if (length !== undefined && length > config.tusMaxSize)
    throw tooLarge(`Uploads are limited to ${config.tusMaxSize} bytes.`);
  let binaryId: number | null = null;
  let name: string;
  let type: string;
  let contentType: string;
  let fragments = intent.fragments;
  if (intent.binaryId !== undefined) {
    const current = await loadBinary(db, principal, intent.binaryId, "write");
    // A stale If-Match fails at creation, before any byte is sent (and is checked again at completion).
    if (input.ifMatch !== undefined && !ifMatchHolds(input.ifMatch, validatorsOf(current))) throw preconditionFailed();
    binaryId = current.id;
    name = current.name;
    type = current.type;
    contentType = intent.contentType ?? current.contentType;
    fragments = {};
  } else {
    if (!intent.name) throw invalidRequest("The upload needs a file name (Upload-Metadata 'filename' or 'name').");
    name = intent.name;
    contentType = intent.contentType ?? "application/octet-stream";
    type = intent.type ?? contentType;
  }
  if (name.length > MAX_NAME_LENGTH)
    throw invalidRequest(`The file name must be at most ${MAX_NAME_LENGTH} characters.`);
  const partSize = partSizeFor(length, config.partSize, config.deferredPartSize);
  const row = {
    id: newUploadId(),
    tenant: principal.tenant,
    owner: principal.userName,
    ownerId: principal.userId,
    createdMs: input.nowMs,
    expiresMs: input.nowMs + config.uploadExpiryMs,
    length: length ?? null,
    received: 0,
    partSize,
    parts: "[]",
    nextPart: 1,
    r2Key: objectKey(principal.tenant),
    multipartId: null,
    tailKey: null,
    tailLength: 0,
    digests: JSON.stringify(PausableDigests.start(input.wantSha256)),
    binaryId,
    replace: intent.binaryId !== undefined,
    ifMatch: input.ifMatch ?? null,
    name,
    type,
    contentType,
    fragments,
    metadata: input.rawMetadata ?? null,
    lockToken: null,
    lockUntilMs: 0,
    completedMs: null,
  };
  const created = await insertResumable(db, row, config.maxOpenUploads);
  if (!created) throw tooManyOpenResumables(config.maxOpenUploads);
  // Its reservation counts in this isolate's hints at once, so a POST that follows is checked against it.
  noteCommitted(created.tenant, created.length ?? 0);
  return created;
}

/** 128 random bits, hex: upload URLs cannot be guessed. */
function newUploadId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
