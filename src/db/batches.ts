/**
 * One page (`limit` rows from `offset`) read as several statements, a batch at a time, so a caller that streams
 * the rows holds one batch in memory. `read(left, from)` reads the next batch, at most `left` rows from `from`,
 * and says whether it was the page's last. Each batch is its own statement: rows created or deleted meanwhile
 * may shift a long page, as between pages. Used by the binaries list (batches of rows) and the uploads list
 * (batches of bytes).
 */
export async function* pageInBatches<T>(
  limit: number,
  offset: number,
  read: (left: number, from: number) => Promise<{ rows: T[]; last: boolean }>,
): AsyncGenerator<T[], void, undefined> {
  for (let done = 0; done < limit; ) {
    const { rows, last } = await read(limit - done, offset + done);
    if (rows.length > 0) yield rows;
    if (last || rows.length === 0) return;
    done += rows.length;
  }
}
