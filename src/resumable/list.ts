/** The caller's open resumable uploads (GET /inventory/binaries/uploads), read in byte-bounded batches. */
import type { Principal } from "../auth/principal";
import type { Stores } from "../binaries/service";
import { pageInBatches } from "../db/batches";
import { type ListedResumable, listOpenResumables } from "../db/resumables";

/**
 * Bytes of names and types one D1 statement of the uploads list may return (docs/api.md#resumable-endpoints): a
 * page is read and streamed in batches of at most this much, whatever `pageSize` and the open-upload
 * cap (a row alone may pass it: it is never split).
 */
export const LIST_BATCH_BYTES = 256 * 1024;

/** The principal's incomplete uploads of one page, in batches bounded by LIST_BATCH_BYTES. */
export function listResumables(
  db: Stores["db"],
  principal: Principal,
  nowMs: number,
  limit: number,
  offset: number,
): AsyncGenerator<ListedResumable[], void, undefined> {
  const { tenant, userId } = principal;
  return pageInBatches(limit, offset, async (left, from) => {
    const { rows, inWindow } = await listOpenResumables(db, tenant, userId, nowMs, left, from, LIST_BATCH_BYTES);
    // The last batch: the window ended before the byte budget did.
    return { rows, last: rows.length === inWindow };
  });
}
