/**
 * MD5 (RFC 1321) whose running state can be saved and restored, so a digest can span many
 * requests. Workers refuse WebAssembly compiled at run time and WebCrypto's digests cannot be
 * paused, hence plain JS. spark-md5 (whose ArrayBuffer hasher has getState/setState) was the
 * first choice, but it copies every appended chunk into a new buffer (1 MiB of garbage per read),
 * which kept a 120 MiB resumable upload above the 64 MiB memory target; this one hashes views in
 * place and keeps at most 63 pending bytes.
 */
import { BlockHash, type BlockTail } from "./block-hash";

/** The serialisable state between two requests: chaining values, bytes hashed, the unprocessed tail. */
export interface Md5State extends BlockTail {
  h: [number, number, number, number];
}

const S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
const K = new Int32Array(64);
for (let i = 0; i < 64; i++) K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0;

const rotl = (x: number, c: number) => (x << c) | (x >>> (32 - c));

export class Md5 extends BlockHash {
  protected readonly littleEndianLength = true;
  private h0 = 0x67452301;
  private h1 = 0xefcdab89 | 0;
  private h2 = 0x98badcfe | 0;
  private h3 = 0x10325476;
  private readonly x = new Int32Array(16);

  static restore(state: Md5State): Md5 {
    const md5 = new Md5();
    [md5.h0, md5.h1, md5.h2, md5.h3] = state.h;
    md5.restoreTail(state, "MD5");
    return md5;
  }

  save(): Md5State {
    return { h: [this.h0, this.h1, this.h2, this.h3], ...this.saveTail() };
  }

  protected output(): Uint8Array {
    const out = new Uint8Array(16);
    const outView = new DataView(out.buffer);
    outView.setInt32(0, this.h0, true);
    outView.setInt32(4, this.h1, true);
    outView.setInt32(8, this.h2, true);
    outView.setInt32(12, this.h3, true);
    return out;
  }

  protected compress(b: Uint8Array, o: number): void {
    const x = this.x;
    for (let j = 0; j < 16; j++, o += 4) x[j] = b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
    let a = this.h0;
    let bb = this.h1;
    let c = this.h2;
    let d = this.h3;
    for (let i = 0; i < 64; i++) {
      let f: number;
      let g: number;
      if (i < 16) {
        f = (bb & c) | (~bb & d);
        g = i;
      } else if (i < 32) {
        f = (d & bb) | (~d & c);
        g = (5 * i + 1) & 15;
      } else if (i < 48) {
        f = bb ^ c ^ d;
        g = (3 * i + 5) & 15;
      } else {
        f = c ^ (bb | ~d);
        g = (7 * i) & 15;
      }
      const t = d;
      d = c;
      c = bb;
      bb = (bb + rotl((a + f + K[i]! + x[g]!) | 0, S[(i >> 4) * 4 + (i & 3)]!)) | 0;
      a = t;
    }
    this.h0 = (this.h0 + a) | 0;
    this.h1 = (this.h1 + bb) | 0;
    this.h2 = (this.h2 + c) | 0;
    this.h3 = (this.h3 + d) | 0;
  }
}
