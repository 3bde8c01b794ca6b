/**
 * A binary's metadata (name, type, fragments; docs/api.md#the-managed-object-of-a-binary): changed in
 * one statement that also keeps the tenant within its storage quota (docs/api.md#usage-and-quotas).
 */
import type { Principal } from "../auth/principal";
import { clientFields } from "../c8y/client-fields";
import { mergeMetadata, metadataChangeSize } from "../db/binaries";
import { type Database, primaryOf } from "../db/client";
import type { BinaryRow } from "../db/schema";
import { metadataSize, throwIfOverQuota } from "../db/usage";
import { noteCommitted } from "../db/usage-hints";
import { fragmentsTooLarge, notFound, preconditionFailed } from "../errors";
import { loadBinary } from "./service";

/**
 * Changes name, type and fragments as Cumulocity does: fragments sent replace those of the same
 * name, `null` removes one, the rest stay; length, contentType and the bytes never change here.
 * One statement merges the fragments, so concurrent PUTs of different fragments all survive.
 */
export async function updateMetadata(
  db: Database,
  principal: Principal,
  id: number,
  readBody: () => Promise<Record<string, unknown>>,
  maxJsonSize: number,
): Promise<BinaryRow> {
  const row = await loadBinary(db, principal, id, "write");
  const fields = clientFields(await readBody());
  const change = { ...fields, lastUpdated: new Date().toISOString() };
  const updated = await mergeMetadata(db, row.tenant, row.id, change, maxJsonSize);
  if (!updated) {
    const refused = await metadataChangeSize(primaryOf(db), row.tenant, row.id, change);
    if (!refused) throw notFound("Managed object");
    if (refused.fragmentsLength > maxJsonSize) throw fragmentsTooLarge(maxJsonSize);
    await throwIfOverQuota(primaryOf(db), row.tenant, refused.grows);
    // Neither: the row changed between the two statements; the client may simply try again.
    throw preconditionFailed();
  }
  noteCommitted(row.tenant, metadataSize({ ...updated }) - metadataSize(row));
  return updated;
}
