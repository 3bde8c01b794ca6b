/**
 * c8y/: the Cumulocity wire format, no storage and no HTTP context. This file: the JSON of a binary's managed object
 * that the API returns (what a client may set on one: client-fields.ts). Beside it: collections and paging, ids,
 * roles, media types, user and tenant JSON and input checks, the inventory query language, and the OpenAPI
 * description of the API (openapi/).
 */
import type { BinaryRow } from "../db/schema";

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
