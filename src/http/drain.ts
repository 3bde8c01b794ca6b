/** How much of an unread request body is read away before an early answer
 * (docs/api.md#request-handling-common-to-all-endpoints). */
export const DRAIN_MAX_BYTES = 64 * 1024 * 1024;
export const DRAIN_MAX_MS = 10_000;

/**
 * Reads away what is left of a request body before the service answers early (a 413 after the
 * first 64 KiB of an `object` part, a 401 before a big upload is read). A server that answers and
 * closes while the client is still sending makes the client's TCP stack see a reset, and HTTP/1.1
 * clients then report ECONNRESET or EPIPE instead of the status (and `wrangler dev`'s proxy a 500).
 * Reading the rest lets the client finish sending and then read the answer. Bounded: after
 * `maxBytes` or `maxMs` the body is cancelled and the answer goes out anyway.
 */
export async function drainBody(
  body: ReadableStream<Uint8Array> | null,
  maxBytes = DRAIN_MAX_BYTES,
  maxMs = DRAIN_MAX_MS,
): Promise<void> {
  if (!body || body.locked) return;
  const reader = body.getReader();
  const deadline = Date.now() + maxMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let read = 0;
  try {
    while (read <= maxBytes) {
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), Math.max(0, deadline - Date.now()));
      });
      const next = await Promise.race([reader.read(), timeout]);
      clearTimeout(timer);
      if (next === "timeout" || next.done) return;
      read += next.value.byteLength;
    }
  } catch {
    // The client went away: nothing left to drain.
  } finally {
    clearTimeout(timer);
    reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
