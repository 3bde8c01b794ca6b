/**
 * The value of `read` once two readings 700 ms apart agree: where an interrupted upload stopped, read from the
 * server after the client let go (the CLI's Ctrl-C, the files page's pause or reload).
 */
export async function settled(read: () => Promise<number>): Promise<number> {
  let last = await read();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 700));
    const next = await read();
    if (next === last) return next;
    last = next;
  }
}
