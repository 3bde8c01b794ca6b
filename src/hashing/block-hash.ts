/**
 * What MD5 and SHA-256 share (both Merkle–Damgård over 64-byte blocks): the buffering of the bytes that do not
 * fill a block, the length count, the padding, and saving / restoring that tail, so a digest can span requests.
 * Each subclass brings its compression function, its chaining values and the byte order of the padded length.
 */
import { base64ToBytes, bytesToBase64 } from "../utils/base64";

/** The tail and count of a saved state: bytes hashed, and the bytes after the last full block (base64). */
export interface BlockTail {
  length: number;
  pending: string;
}

export abstract class BlockHash {
  protected length = 0;
  private readonly block = new Uint8Array(64);
  private filled = 0;

  /** MD5 pads with the bit length little-endian, SHA-256 big-endian. */
  protected abstract readonly littleEndianLength: boolean;
  /** Mixes the 64 bytes of `b` at offset `o` into the chaining values. */
  protected abstract compress(b: Uint8Array, o: number): void;
  /** The chaining values as the digest's bytes. */
  protected abstract output(): Uint8Array;

  /** Restores the tail of a saved state; `what` names the hash in the error of a corrupt one. */
  protected restoreTail(tail: BlockTail, what: string): void {
    const pending = base64ToBytes(tail.pending);
    if (pending.length >= 64 || pending.length !== tail.length % 64) throw new Error(`corrupt ${what} state`);
    this.length = tail.length;
    this.block.set(pending);
    this.filled = pending.length;
  }

  protected saveTail(): BlockTail {
    return { length: this.length, pending: bytesToBase64(this.block.subarray(0, this.filled)) };
  }

  /** Hashes `bytes` in place (views, no copies), keeping at most 63 pending bytes. */
  update(bytes: Uint8Array): this {
    this.length += bytes.length;
    let i = 0;
    if (this.filled > 0) {
      i = Math.min(64 - this.filled, bytes.length);
      this.block.set(bytes.subarray(0, i), this.filled);
      this.filled += i;
      if (this.filled < 64) return this;
      this.compress(this.block, 0);
      this.filled = 0;
    }
    for (; i + 64 <= bytes.length; i += 64) this.compress(bytes, i);
    this.block.set(bytes.subarray(i));
    this.filled = bytes.length - i;
    return this;
  }

  digest(): Uint8Array {
    const length = this.length;
    const bits = length * 8;
    const padLength = this.filled < 56 ? 56 - this.filled : 120 - this.filled;
    const pad = new Uint8Array(padLength + 8);
    pad[0] = 0x80;
    const view = new DataView(pad.buffer);
    const [low, high] = [bits >>> 0, Math.floor(bits / 2 ** 32)];
    if (this.littleEndianLength) {
      view.setUint32(padLength, low, true);
      view.setUint32(padLength + 4, high, true);
    } else {
      view.setUint32(padLength, high);
      view.setUint32(padLength + 4, low);
    }
    this.update(pad);
    this.length = length;
    return this.output();
  }
}
