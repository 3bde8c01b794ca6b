import type { BinaryRow } from "../db/schema";
import type { Validators } from "../http/conditional";

/**
 * What a download needs to know about one revision of a binary's bytes. The authenticated
 * download takes it from the row; a signed link carries it (signed), so both answer alike.
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
