/**
 * What a client may set on a binary's managed object (docs/api.md#the-managed-object-of-a-binary): name, type and
 * free fragments, with the service's own fields dropped; the `object` part of an upload. The way in; the JSON the
 * API returns is managed-object.ts's (the way out).
 */
import { invalidRequest } from "../errors";
import { parseJsonObject } from "../http/json";
import { REFERENCE_COLLECTIONS } from "./managed-object";

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
