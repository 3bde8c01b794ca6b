/** Local files: what a command reads and writes, in constant memory. */
import { createReadStream } from "node:fs";
import { mkdir, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { UsageError } from "./usage-error";

export async function fileSize(path: string): Promise<{ size: number; mtimeMs: number }> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new UsageError(`Not a file: ${path}`);
    return { size: info.size, mtimeMs: info.mtimeMs };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`Cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/**
 * The bytes of a file from `start` as a web stream, reporting each chunk as it is taken, so
 * progress follows what the HTTP client actually pulled. Bracketed by optional prefix/suffix
 * bytes (multipart framing).
 */
export function fileStream(
  path: string,
  onBytes: (n: number) => void,
  framing: { prefix?: Uint8Array; suffix?: Uint8Array } = {},
): ReadableStream<Uint8Array> {
  const source = createReadStream(path, { highWaterMark: 1024 * 1024 });
  const iterator = source[Symbol.asyncIterator]();
  let prefixSent = !framing.prefix;
  let done = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!prefixSent && framing.prefix) {
        prefixSent = true;
        controller.enqueue(framing.prefix);
        return;
      }
      if (done) return;
      const next = await iterator.next();
      if (next.done) {
        done = true;
        if (framing.suffix) controller.enqueue(framing.suffix);
        controller.close();
        return;
      }
      const chunk = new Uint8Array(next.value as Buffer);
      onBytes(chunk.byteLength);
      controller.enqueue(chunk);
    },
    cancel() {
      source.destroy();
    },
  });
}

/** Makes sure a JSON state file exists (tus-js-client's FileUrlStorage locks it, so it must exist). */
export async function ensureJsonFile(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  try {
    await writeFile(path, "{}", { flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
}
