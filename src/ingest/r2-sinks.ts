import { bytesToBase64 } from "../utils/base64";

/** Bytes that made it to R2: where, how many, and their MD5 (base64). */
export interface StoredBytes {
  key: string;
  size: number;
  md5: string;
  /** The R2 multipart upload the bytes went through, if they did (tracked until the row commits). */
  uploadId?: string;
}

/**
 * Hears about the R2 multipart uploads a sink creates, so that one left behind by a crash can be
 * found and aborted later: the R2 binding cannot list them (docs/api.md#consistency-between-r2-and-d1).
 */
export interface MultipartTracker {
  created(uploadId: string): Promise<void>;
  aborted(uploadId: string): Promise<void>;
}

/** Raised when the bytes received differ from the length announced before them. */
export class LengthMismatchError extends Error {
  constructor(
    readonly expected: number,
    readonly received: number,
  ) {
    super(`Expected ${expected} bytes but received ${received === -1 ? "more" : received}.`);
    this.name = "LengthMismatchError";
  }
}

/**
 * Told the size of a file (exact, or at least that many bytes) before its first byte is stored;
 * throwing refuses the file with nothing written (the quota check, docs/api.md#usage-and-quotas).
 */
export type BeforeStore = (bytes: number) => Promise<void>;

/** A destination for a file's bytes as they stream in. `abort` leaves nothing behind in R2. */
export interface ByteSink {
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<StoredBytes>;
  abort(): Promise<void>;
}

function md5Of(object: R2Object): string {
  const md5 = object.checksums.md5;
  if (!md5) throw new Error(`R2 reported no MD5 for ${object.key}`);
  return bytesToBase64(new Uint8Array(md5));
}

/**
 * Length known before the bytes (a `filesize` part first): one R2 put fed through a
 * FixedLengthStream, so R2 reads at the pace we write and computes the MD5 itself.
 */
export function knownLengthSink(bucket: R2Bucket, key: string, length: number, httpMetadata: R2HTTPMetadata): ByteSink {
  const stream = new FixedLengthStream(length);
  const writer = stream.writable.getWriter();
  writer.closed.catch(() => undefined);
  const put = bucket.put(key, stream.readable, { httpMetadata });
  // If R2 gives up, nobody reads the stream any more and a pending write would wait forever:
  // abort the writer, which fails whatever write is waiting. One handler, not one per chunk.
  put.catch((error: unknown) => writer.abort(error).catch(() => undefined));
  let received = 0;
  return {
    async write(chunk) {
      received += chunk.length;
      if (received > length) throw new LengthMismatchError(length, -1);
      // Wait for R2 to take what is queued before adding more, so chunks never pile up in memory.
      await writer.ready;
      await writer.write(chunk);
    },
    async close() {
      if (received !== length) throw new LengthMismatchError(length, received);
      await writer.close();
      const object = await put;
      return { key, size: received, md5: md5Of(object) };
    },
    async abort() {
      await writer.abort(new Error("upload aborted")).catch(() => undefined);
      await put.catch(() => undefined);
      await bucket.delete(key);
    },
  };
}

/**
 * Length unknown: the first `partSize` bytes are held as they arrive (no part buffer, no hashing
 * yet); a file that ends within them is one plain put of exactly its bytes, and R2 computes the
 * MD5, so a small upload costs one R2 call and no JS hashing (docs/benchmarks.md). A longer file
 * becomes an R2 multipart upload of `partSize` parts (R2 wants equal parts of at least 5 MiB but
 * the last), with one part uploading while the next fills, so memory holds two parts whatever the
 * file's size. Multipart objects have no MD5 of their own in R2, so it is computed here as the
 * bytes pass (the held bytes first).
 */
export function unknownLengthSink(
  bucket: R2Bucket,
  key: string,
  partSize: number,
  httpMetadata: R2HTTPMetadata,
  tracker?: MultipartTracker,
  beforeStore?: BeforeStore,
): ByteSink {
  const digest = new crypto.DigestStream("MD5");
  const digestWriter = digest.getWriter();
  digest.digest.catch(() => undefined); // rejects on abort; close() awaits it otherwise
  // Before the first part: the chunks as they came (copied when a chunk is a small view of a big
  // read buffer, so held memory stays within twice the bytes held).
  let held: Uint8Array[] | undefined = [];
  let heldSize = 0;
  let buffer = new Uint8Array(0);
  let filled = 0;
  let size = 0;
  let upload: R2MultipartUpload | undefined;
  const parts: R2UploadedPart[] = [];
  let inFlight: Promise<void> = Promise.resolve();
  // Whether anything may be in R2 under `key` (a refusal before the first write leaves nothing to delete).
  let written = false;

  async function sendPart(bytes: Uint8Array): Promise<void> {
    if (!upload) {
      upload = await bucket.createMultipartUpload(key, { httpMetadata });
      await tracker?.created(upload.uploadId);
    }
    // One part in flight at a time, so parts finish (and are recorded) in order.
    await inFlight;
    const partNumber = parts.length + 1;
    inFlight = upload.uploadPart(partNumber, bytes).then((part) => void parts.push(part));
    inFlight.catch(() => undefined);
  }

  async function fill(chunk: Uint8Array): Promise<void> {
    await digestWriter.write(chunk);
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(partSize - filled, chunk.length - offset);
      buffer.set(chunk.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === partSize) {
        await sendPart(buffer);
        buffer = new Uint8Array(partSize);
        filled = 0;
      }
    }
  }

  return {
    async write(chunk) {
      size += chunk.length;
      if (held) {
        if (heldSize + chunk.length < partSize) {
          held.push(chunk.byteLength * 2 < chunk.buffer.byteLength ? chunk.slice() : chunk);
          heldSize += chunk.length;
          return;
        }
        // The file reaches a part: from here on it is a multipart upload, of at least `size` bytes.
        await beforeStore?.(size);
        written = true;
        const earlier = held;
        held = undefined;
        buffer = new Uint8Array(partSize);
        for (const piece of earlier) await fill(piece);
      }
      await fill(chunk);
    },
    async close() {
      if (held) {
        await digestWriter.abort().catch(() => undefined);
        // The whole file is held: its exact size is known before anything is stored.
        await beforeStore?.(size);
        written = true;
        const object = await bucket.put(key, concatBytes(held, heldSize), { httpMetadata });
        return { key, size, md5: md5Of(object) };
      }
      await digestWriter.close();
      const md5 = bytesToBase64(new Uint8Array(await digest.digest));
      if (filled > 0) await sendPart(buffer.subarray(0, filled));
      await inFlight;
      await upload!.complete(parts);
      return { key, size, md5, uploadId: upload!.uploadId };
    },
    async abort() {
      await digestWriter.abort().catch(() => undefined);
      await inFlight.catch(() => undefined);
      if (upload) {
        await upload.abort().catch(() => undefined);
        await tracker?.aborted(upload.uploadId).catch(() => undefined);
      }
      if (written) await bucket.delete(key);
    },
  };
}

function concatBytes(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return all;
}
