/**
 * A selection of binaries downloaded together as one zip (docs/api.md#several-binaries-as-one-zip): every id must name
 * a binary the caller may read, and the selection must stay within the limits, before the first byte
 * of the archive is sent (a streamed answer cannot change its status later).
 */
import type { Principal } from "../auth/principal";
import { findBinaries } from "../db/binaries";
import { type Database, primaryOf } from "../db/client";
import type { BinaryRow } from "../db/schema";
import { forbidden, invalidRequest, notFound, unprocessable } from "../errors";
import { mayRead } from "./policy";

/** Most binaries in one zip: the ids fit a URL (~11 characters each, far below 16 KB). */
export const ZIP_MAX_FILES = 1000;
/**
 * Most bytes of content in one zip (16 GiB): the worker computes the CRC-32 of every byte, and a
 * Workers request has a few minutes of CPU time at most (measured: docs/benchmarks.md).
 */
export const ZIP_MAX_BYTES = 16 * 1024 * 1024 * 1024;

/** The rows of `ids` in the order asked (repeats dropped), after every check. */
export async function loadSelection(db: Database, principal: Principal, ids: readonly number[]): Promise<BinaryRow[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) throw invalidRequest("'ids' must name at least one binary.");
  if (unique.length > ZIP_MAX_FILES) {
    throw unprocessable(`A zip holds at most ${ZIP_MAX_FILES} binaries; ${unique.length} were asked for.`);
  }
  const rows = new Map((await findBinaries(db, principal.tenant, unique)).map((row) => [row.id, row]));
  // A replica may not have seen a binary created moments ago: ask the primary for what it missed.
  const missed = unique.filter((id) => !rows.has(id));
  if (missed.length > 0 && primaryOf(db) !== db) {
    for (const row of await findBinaries(primaryOf(db), principal.tenant, missed)) rows.set(row.id, row);
  }
  const absent = unique.filter((id) => !rows.has(id));
  if (absent.length > 0) throw notFound(`Managed object ${absent.slice(0, 10).join(", ")}`);
  const selection = unique.map((id) => rows.get(id) as BinaryRow);
  const denied = selection.filter((row) => !mayRead(principal, row.owner)).map((row) => row.id);
  if (denied.length > 0) throw forbidden(`Access is denied to managed object ${denied.slice(0, 10).join(", ")}`);
  const total = selection.reduce((sum, row) => sum + row.length, 0);
  if (total > ZIP_MAX_BYTES) {
    throw unprocessable(`A zip holds at most ${ZIP_MAX_BYTES} bytes (16 GiB); the selection has ${total}.`);
  }
  return selection;
}
