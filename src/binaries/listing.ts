import { type BinaryFilter, countBinaries, listBinaryBatches } from "../db/binaries";
import type { Database } from "../db/client";
import type { BinaryRow } from "../db/schema";

/**
 * Listing and counting the binaries a filter (binaries/list-filter) selects. No filter means nothing can match
 * (another owner's name for a user without READ, a child filter): an empty page and a count of 0, without D1.
 */
export function countSelected(db: Database, filter: BinaryFilter | undefined): Promise<number> {
  return filter ? countBinaries(db, filter) : Promise.resolve(0);
}

/** A page of the selected binaries, `batch` rows per D1 statement, so a big page never sits in memory whole. */
export async function* selectedBatches(
  db: Database,
  filter: BinaryFilter | undefined,
  page: { limit: number; offset: number },
  batch: number,
): AsyncGenerator<BinaryRow[], void, undefined> {
  if (!filter) return;
  yield* listBinaryBatches(db, filter, page.limit, page.offset, batch);
}
