/**
 * c8y/: the Cumulocity wire format, no storage and no HTTP context. This file: a binary's managed object (what
 * a client may set, what the service owns, the JSON the API returns). Beside it: collections and paging, ids,
 * roles, media types, user and tenant JSON and input checks, the inventory query language, and the OpenAPI
 * description of the API (openapi/).
 */
import type { BinaryRow } from "../db/schema";
import { invalidRequest } from "../errors";
import { parseJsonObject } from "../http/json";

/**
 * The reference collections every Cumulocity managed object has (docs/api.md#the-managed-object-of-a-binary). A binary
 * has no children or parents, so they are always empty; clients read them, and their `self` links answer.
 */
export const REFERENCE_COLLECTIONS = [
  "childAdditions",
  "childAssets",
  "childDevices",
  "additionParents",
  "assetParents",
  "deviceParents",
] as const;

/** Fields the service owns; a client's values for them are ignored (docs/api.md#the-managed-object-of-a-binary). */
const RESERVED = new Set([
  "id",
  "self",
  "owner",
  "creationTime",
  "lastUpdated",
  "length",
  "contentType",
  "c8y_IsBinary",
  "_attachments",
  ...REFERENCE_COLLECTIONS,
]);

/**
 * Longest `name`, in characters (docs/api.md#limits-and-configuration): the name becomes the downloaded file's
 * name, and common file systems cap a file name at 255 bytes or UTF-16 units.
 */
export const MAX_NAME_LENGTH = 255;

/** Name, type and the remaining fragments a client may set. */
export interface ClientFields {
  name?: string;
  type?: string;
  fragments: Record<string, unknown>;
}

/** Splits a client's managed object into name, type and free fragments, dropping reserved fields. */
export function clientFields(source: Record<string, unknown>): ClientFields {
  const fragments: Record<string, unknown> = {};
  let name: string | undefined;
  let type: string | undefined;
  for (const [key, value] of Object.entries(source)) {
    if (key === "name" || key === "type") {
      if (typeof value !== "string") throw invalidRequest(`'${key}' must be a string.`);
      // Only the name is capped (it becomes a file name); a type is a label, bounded by the JSON size cap.
      if (key === "name" && value.length > MAX_NAME_LENGTH)
        throw invalidRequest(`'name' must be at most ${MAX_NAME_LENGTH} characters.`);
      if (key === "name") name = value;
      else type = value;
    } else if (!RESERVED.has(key)) {
      fragments[key] = value;
    }
  }
  return { name, type, fragments };
}

/**
 * The `object` part of an upload: JSON with a non-empty `name` (it names the downloaded file).
 * `type` is a label like a managed object's: an empty or missing one is stored as "" (the Python
 * SDK sends `type: ''` when it was given none; docs/api.md#upload-post).
 */
export function parseUploadObject(text: string): Required<ClientFields> {
  const fields = clientFields(parseJsonObject(text, "The 'object' part"));
  if (!fields.name) throw invalidRequest("The 'object' part needs a 'name'.");
  return { name: fields.name, type: fields.type ?? "", fragments: fields.fragments };
}

/** The JSON of a binary's managed object (docs/api.md#the-managed-object-of-a-binary), with `self` pointing where the
 * caller asks. */
export function toManagedObject(row: BinaryRow, self: string): Record<string, unknown> {
  return {
    ...row.fragments,
    id: String(row.id),
    self,
    name: row.name,
    type: row.type,
    owner: row.owner,
    creationTime: row.creationTime,
    lastUpdated: row.lastUpdated,
    length: row.length,
    contentType: row.contentType,
    c8y_IsBinary: "",
    ...referenceCollections(self.replace("/inventory/binaries/", "/inventory/managedObjects/")),
    _attachments: {
      [row.name]: {
        stub: true,
        length: row.length,
        digest: `md5-${row.md5}`,
        revpos: row.revpos,
        content_type: row.contentType,
      },
    },
  };
}

/** The empty reference collections of a binary, with `self` under its managed object URL. */
function referenceCollections(managedObject: string): Record<string, { self: string; references: [] }> {
  return Object.fromEntries(
    REFERENCE_COLLECTIONS.map((name) => [name, { self: `${managedObject}/${name}`, references: [] }]),
  );
}

/** Absolute URLs of a binary under both of its paths, built from the request's origin. */
export function binaryUrl(origin: string, id: number): string {
  return `${origin}/inventory/binaries/${id}`;
}
export function managedObjectUrl(origin: string, id: number): string {
  return `${origin}/inventory/managedObjects/${id}`;
}
