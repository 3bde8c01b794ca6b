/**
 * revisions/: what one revision of a binary's bytes is, and the one rule for its validators (below).
 */
import type { BinaryRow } from "../db/schema";
import type { Validators } from "../http/conditional";

/**
 * One revision of a binary's bytes, and the one rule for its validators: the strong ETag is the quoted base64
 * MD5 of the bytes, Last-Modified the row's lastUpdated (docs/api.md#conditional-requests). Downloads answer
 * with them, writes check If-Match against them (binaries/service, resumable completion), and a write's
 * response sends them. The authenticated download takes a revision from the row; a signed link carries it
 * (signed), so both answer alike.
 */
export interface Revision {
  /** The R2 key of the bytes; unique to this revision, never reused. */
  key: string;
  length: number;
  /** Base64 MD5 of the bytes, the strong ETag. */
  md5: string;
  contentType: string;
  /** Milliseconds since the epoch. */
  lastModified: number;
  name: string;
}

/** The revision a row points at. */
export function revisionOf(row: BinaryRow): Revision {
  return {
    key: row.r2Key,
    length: row.length,
    md5: row.md5,
    contentType: row.contentType,
    lastModified: Date.parse(row.lastUpdated),
    name: row.name,
  };
}

/** The strong ETag and Last-Modified of a revision. */
export function validatorsOfRevision(revision: Revision): Validators {
  return { etag: `"${revision.md5}"`, lastModified: revision.lastModified };
}

/** The strong ETag and Last-Modified of a binary's current bytes. */
export function validatorsOf(row: BinaryRow): Validators {
  return validatorsOfRevision(revisionOf(row));
}
