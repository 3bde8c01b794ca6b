import type { BinaryRow } from "../db/schema";
import { invalidRequest } from "../errors";

export const MANAGED_OBJECT_MEDIA_TYPE = "application/vnd.com.nsn.cumulocity.managedObject+json;charset=UTF-8;ver=0.9";
export const COLLECTION_MEDIA_TYPE = "application/vnd.com.nsn.cumulocity.managedObjectCollection+json;charset=UTF-8;ver=0.9";

/** Fields the service owns; a client's values for them are ignored (SPEC §2). */
const RESERVED = new Set(["id", "self", "owner", "creationTime", "lastUpdated", "length", "contentType", "c8y_IsBinary", "_attachments"]);

/** Name, type and the remaining fragments a client may set. */
export interface ClientFields {
  name?: string;
  type?: string;
  fragments: Record<string, unknown>;
}

/** Parses JSON text that must be an object; 400 otherwise. */
export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidRequest(`${what} is not valid JSON.`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalidRequest(`${what} must be a JSON object.`);
  return value as Record<string, unknown>;
}

/** Splits a client's managed object into name, type and free fragments, dropping reserved fields. */
export function clientFields(source: Record<string, unknown>): ClientFields {
  const fragments: Record<string, unknown> = {};
  let name: string | undefined;
  let type: string | undefined;
  for (const [key, value] of Object.entries(source)) {
    if (key === "name" || key === "type") {
      if (typeof value !== "string") throw invalidRequest(`'${key}' must be a string.`);
      if (key === "name") name = value;
      else type = value;
    } else if (!RESERVED.has(key)) {
      fragments[key] = value;
    }
  }
  return { name, type, fragments };
}

/** The `object` part of an upload: JSON with at least `name` and `type` (SPEC §4). */
export function parseUploadObject(text: string): Required<ClientFields> {
  const fields = clientFields(parseJsonObject(text, "The 'object' part"));
  if (!fields.name) throw invalidRequest("The 'object' part needs a 'name'.");
  if (!fields.type) throw invalidRequest("The 'object' part needs a 'type'.");
  return { name: fields.name, type: fields.type, fragments: fields.fragments };
}

/** The JSON of a binary's managed object (SPEC §2), with `self` pointing where the caller asks. */
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
    _attachments: {
      [row.name]: { stub: true, length: row.length, digest: `md5-${row.md5}`, revpos: row.revpos, content_type: row.contentType },
    },
  };
}

/** Absolute URLs of a binary under both of its paths, built from the request's origin. */
export function binaryUrl(origin: string, id: number): string {
  return `${origin}/inventory/binaries/${id}`;
}
export function managedObjectUrl(origin: string, id: number): string {
  return `${origin}/inventory/managedObjects/${id}`;
}
