import { type DigestStates, PausableDigests } from "../hashing/pausable-digests";
import { deleteObjectQuietly } from "../r2/objects";
import { ByteSource } from "./byte-source";

/** A part of the R2 multipart upload that is committed to the upload's state. */
export interface StoredPart {
  partNumber: number;
  etag: string;
}

/**
 * What has been received of an upload so far. Invariant: offset = parts.length * partSize +
 * tailLength; the tail object holds the bytes after the last full part; `digests` cover
 * exactly `offset` bytes.
 */
export interface Progress {
  offset: number;
  multipartId: string | null;
  parts: StoredPart[];
  tailKey: string | null;
  tailLength: number;
  digests: DigestStates;
}

/** Where and how an append writes, and how it persists progress (fenced by the caller's lease). */
export interface AppendTarget {
  bucket: R2Bucket;
  /** The multipart upload's key, the final object's key once it completes. */
  key: string;
  /** A fresh key for an upload that completes without ever filling a part (one put, no multipart upload). */
  singleObjectKey(): string;
  partSize: number;
  httpMetadata: R2HTTPMetadata;
  newTailKey(): string;
  /** A part number never handed out before for this upload; renews the lease, throws when it is lost. */
  reservePartNumber(): Promise<number>;
  /** Persists progress after a part; throws when the lease is lost. */
  commit(progress: Progress): Promise<void>;
  /** Called between chunks so a long request keeps its lease; throws when it is lost. */
  keepAlive(): Promise<void>;
}

/** The outcome of one append: progress not yet persisted, and the objects to clean up either way. */
export interface AppendResult {
  progress: Progress;
  /** For a completing append that never filled a part: the key the whole object was put under. */
  singleObjectKey?: string;
  /** The digests' final values (only for a completing append). */
  finalDigests?: Record<string, Uint8Array>;
  /** Delete after `progress` is committed (a tail it superseded). */
  obsolete: string[];
  /** Delete if `progress` is not committed (the new tail). */
  written: string[];
}

export interface AppendOptions {
  /** Commit after every full part (progress survives a broken connection); off when a checksum must pass first. */
  commitEachPart: boolean;
  /** This append ends the upload: the rest becomes the last part (or the whole object). */
  final: boolean;
  /** Sees every body byte in order (per-request checksums). */
  observe?: (chunk: Uint8Array) => void;
}

/**
 * Appends `length` body bytes to an upload stored as an R2 multipart upload with a temporary
 * tail object: the old tail plus body bytes fill parts of exactly `partSize` bytes; what is left
 * becomes the new tail (or, when `final`, the last part, or the whole object when the upload
 * never reached one part). Memory stays at one read chunk whatever `length` is: parts and tails
 * are streamed to R2 through FixedLengthStreams at R2's pace.
 */
export async function appendBody(
  target: AppendTarget,
  start: Progress,
  body: ReadableStream<Uint8Array> | null,
  length: number,
  options: AppendOptions,
): Promise<AppendResult> {
  const source = new ByteSource(body);
  const digests = PausableDigests.restore(start.digests);
  const progress: Progress = { ...start, parts: [...start.parts] };
  const obsolete: string[] = [];
  const written: string[] = [];
  let remaining = length;
  const { partSize } = target;

  /** Streams the current tail object, then `bodyBytes` body bytes, into `writer`. */
  async function pump(
    writer: WritableStreamDefaultWriter<Uint8Array>,
    tailKey: string | null,
    bodyBytes: number,
  ): Promise<void> {
    if (tailKey) {
      const tail = await target.bucket.get(tailKey);
      if (!tail) throw new Error(`tail object ${tailKey} is missing`);
      const reader = tail.body.getReader();
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        await writer.ready;
        await writer.write(read.value);
      }
    }
    let left = bodyBytes;
    while (left > 0) {
      const piece = await source.take(left);
      if (!piece) throw new Error("the body ended before its Content-Length");
      left -= piece.length;
      remaining -= piece.length;
      await target.keepAlive();
      await writer.ready;
      // Not awaited: R2 reads this piece while the next is hashed (errors surface through ready/close).
      writer.write(piece).catch(() => undefined);
      digests.update(piece);
      options.observe?.(piece);
    }
  }

  /** Writes `size` bytes (tail + body) through a FixedLengthStream into `sink`; aborts the stream on failure. */
  async function streamInto<T>(size: number, sink: (readable: ReadableStream<Uint8Array>) => Promise<T>): Promise<T> {
    const stream = new FixedLengthStream(size);
    const writer = stream.writable.getWriter();
    const done = sink(stream.readable);
    done.catch(() => undefined);
    // If R2 gives up, nobody reads any more: abort the writer so a pending write fails too.
    done.catch((error: unknown) => writer.abort(error).catch(() => undefined));
    try {
      const tailKey = progress.tailKey;
      await pump(writer, tailKey, size - progress.tailLength);
      await writer.close();
    } catch (error) {
      await writer.abort(error).catch(() => undefined);
      await done.catch(() => undefined);
      throw error;
    }
    return await done;
  }

  async function uploadPart(size: number): Promise<void> {
    const partNumber = await target.reservePartNumber();
    if (!progress.multipartId) {
      const created = await target.bucket.createMultipartUpload(target.key, { httpMetadata: target.httpMetadata });
      progress.multipartId = created.uploadId;
      // The id must be in the state before any part exists, so a crash leaves something the sweep can abort.
      await target.commit(progress);
    }
    const upload = target.bucket.resumeMultipartUpload(target.key, progress.multipartId);
    const part = await streamInto(size, (readable) => upload.uploadPart(partNumber, readable));
    if (progress.tailKey) obsolete.push(progress.tailKey);
    progress.parts.push({ partNumber: part.partNumber, etag: part.etag });
    progress.offset += size - progress.tailLength;
    progress.tailKey = null;
    progress.tailLength = 0;
    progress.digests = digests.save();
  }

  try {
    // Full parts; a completing append keeps the last part (full or not) for the end.
    while (
      progress.tailLength + remaining > partSize ||
      (!options.final && progress.tailLength + remaining === partSize)
    ) {
      await uploadPart(partSize);
      if (options.commitEachPart) {
        await target.commit(progress);
        for (const key of obsolete.splice(0)) await deleteObjectQuietly(target.bucket, key);
      }
    }
    const rest = progress.tailLength + remaining;
    if (options.final) {
      let singleObjectKey: string | undefined;
      if (progress.parts.length > 0 && rest > 0) {
        await uploadPart(rest);
      } else if (progress.parts.length === 0) {
        // Never reached one part: the whole object is one put, and no multipart upload exists.
        const tailKey = progress.tailKey;
        singleObjectKey = target.singleObjectKey();
        const key = singleObjectKey;
        await streamInto(rest, (readable) => target.bucket.put(key, readable, { httpMetadata: target.httpMetadata }));
        if (tailKey) obsolete.push(tailKey);
        progress.offset += rest - progress.tailLength;
        progress.tailKey = null;
        progress.tailLength = 0;
        progress.digests = digests.save();
      }
      return { progress, singleObjectKey, finalDigests: digests.digest(), obsolete, written };
    }
    if (remaining > 0) {
      const tailKey = target.newTailKey();
      written.push(tailKey);
      await streamInto(rest, (readable) => target.bucket.put(tailKey, readable));
      if (progress.tailKey) obsolete.push(progress.tailKey);
      progress.offset += rest - progress.tailLength;
      progress.tailKey = tailKey;
      progress.tailLength = rest;
      progress.digests = digests.save();
    }
    return { progress, obsolete, written };
  } catch (error) {
    await source.cancel().catch(() => undefined);
    for (const key of written) await deleteObjectQuietly(target.bucket, key);
    throw error;
  }
}

/** Bounds and completion rule of an append whose body length is not known in advance. */
export interface StreamedAppendOptions {
  /** Most body bytes accepted; `tooMuch` is thrown (before those bytes go anywhere) past it. */
  maxBytes: number;
  tooMuch: () => Error;
  /** Decides, once the body has ended after `received` bytes, whether this append ends the upload. */
  finalAfter: (received: number) => boolean;
  observe?: (chunk: Uint8Array) => void;
}

/**
 * Appends a body of unknown length (`Transfer-Encoding: chunked`) in bounded memory: the body is
 * read into a buffer that completes the current part (`partSize` minus the tail), which then goes
 * through `appendBody` with its length known; so memory holds at most one part plus one read
 * chunk. Whether the append ends the upload is decided only when the body has ended. Nothing is
 * committed on the way (parts are sent, but only the caller's final commit counts them), so a
 * body that runs past `maxBytes` changes nothing.
 */
export async function appendStreamedBody(
  target: AppendTarget,
  start: Progress,
  body: ReadableStream<Uint8Array> | null,
  options: StreamedAppendOptions,
): Promise<AppendResult & { received: number }> {
  const source = new ByteSource(body);
  let progress = start;
  let received = 0;
  const obsolete: string[] = [];
  const written: string[] = [];
  try {
    for (;;) {
      const buffer = new Uint8Array(target.partSize - progress.tailLength);
      let filled = 0;
      while (filled < buffer.length) {
        const piece = await source.take(buffer.length - filled);
        if (!piece) break;
        if (received + filled + piece.length > options.maxBytes) throw options.tooMuch();
        buffer.set(piece, filled);
        filled += piece.length;
        await target.keepAlive();
      }
      received += filled;
      const ended = filled < buffer.length || (await source.ended());
      if (!ended && received >= options.maxBytes) throw options.tooMuch();
      const final = ended && options.finalAfter(received);
      const result = await appendBody(target, progress, bodyOf(buffer.subarray(0, filled)), filled, {
        commitEachPart: false,
        final,
        observe: options.observe,
      });
      progress = result.progress;
      obsolete.push(...result.obsolete);
      written.push(...result.written);
      if (ended) return { ...result, obsolete, written, received };
    }
  } catch (error) {
    await source.cancel().catch(() => undefined);
    for (const key of written) await deleteObjectQuietly(target.bucket, key);
    throw error;
  }
}

function bodyOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      if (bytes.length > 0) controller.enqueue(bytes);
      controller.close();
    },
  });
}
