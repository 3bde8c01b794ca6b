import { readChunks } from "./read-chunks";

/**
 * A request body read in pieces of at most a given size, so bytes can be routed exactly: the
 * rest of one R2 part, then the next part, then the temporary tail object. Keeps at most one
 * read chunk (1 MiB) in hand.
 */
export class ByteSource {
  private readonly chunks: AsyncGenerator<Uint8Array, void, undefined> | undefined;
  private held: Uint8Array | undefined;

  constructor(body: ReadableStream<Uint8Array> | null) {
    this.chunks = body ? readChunks(body) : undefined;
  }

  /** Up to `max` bytes (a view, never a copy); undefined once the body has ended. */
  async take(max: number): Promise<Uint8Array | undefined> {
    if (!this.held || this.held.length === 0) {
      const next = this.chunks ? await this.chunks.next() : { done: true as const, value: undefined };
      if (next.done) return undefined;
      this.held = next.value;
    }
    const piece = this.held.subarray(0, max);
    this.held = this.held.subarray(piece.length);
    return piece;
  }

  /** Whether the body has ended: reads (and holds) the next chunk when none is held. */
  async ended(): Promise<boolean> {
    if (this.held && this.held.length > 0) return false;
    const next = this.chunks ? await this.chunks.next() : { done: true as const, value: undefined };
    if (next.done) return true;
    this.held = next.value;
    return next.value.length === 0 ? this.ended() : false;
  }

  /** Stops reading (cancels the body) when the request fails half-way. */
  async cancel(): Promise<void> {
    await this.chunks?.return(undefined);
  }
}
