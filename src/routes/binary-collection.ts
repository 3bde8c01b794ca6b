import type { Context } from "hono";
import type { BinaryFilter } from "../binaries/list-filter";
import { selectedBatches } from "../binaries/listing";
import { toManagedObject } from "../c8y/managed-object";
import { COLLECTION_MEDIA_TYPE } from "../c8y/media-types";
import { collectionStream, offsetOf, type Paging } from "../c8y/paging";
import type { AppEnv } from "../env";

/** Rows per D1 statement when a list page is streamed (docs/api.md#collection-and-paging). */
const LIST_BATCH = 100;

/**
 * A page of binaries as a managed object collection, streamed a batch at a time (docs/api.md#collection-and-paging):
 * a page of 2000 objects of MAX_JSON_SIZE each never sits in memory whole. `selfOf` builds each
 * object's `self` (binaries or managedObjects path); no filter means an empty page.
 */
export async function binaryCollection(
  c: Context<AppEnv>,
  filter: BinaryFilter | undefined,
  paging: Paging,
  total: number | undefined,
  selfOf: (id: number) => string,
): Promise<Response> {
  const db = c.var.db;
  async function* pages(): AsyncGenerator<unknown[], void, undefined> {
    const page = { limit: paging.pageSize, offset: offsetOf(paging) };
    for await (const rows of selectedBatches(db, filter, page, LIST_BATCH)) {
      yield rows.map((row) => toManagedObject(row, selfOf(row.id)));
    }
  }
  const batches = pages();
  const first = await batches.next();
  const body = collectionStream(c.req.url, paging, "managedObjects", first.done ? [] : first.value, batches, total);
  return c.body(body, 200, { "Content-Type": COLLECTION_MEDIA_TYPE });
}
