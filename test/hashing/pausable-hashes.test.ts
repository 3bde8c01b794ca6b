import { describe, expect, it } from "vitest";
import { Md5 } from "../../src/hashing/md5";
import { Sha256 } from "../../src/hashing/sha256";
import { randomBytes } from "../helpers";

/**
 * MD5 and SHA-256 with saved state (src/hashing/): the digest of bytes fed in pieces, saved and restored between
 * the pieces (as between the requests of a resumable upload), is WebCrypto's digest of all of them.
 */
const hashes = [
  { name: "MD5", make: () => new Md5(), restore: (s: unknown) => Md5.restore(s as never) },
  { name: "SHA-256", make: () => new Sha256(), restore: (s: unknown) => Sha256.restore(s as never) },
] as const;

const hex = (bytes: ArrayBuffer | Uint8Array) => Buffer.from(bytes as Uint8Array).toString("hex");

describe.each(hashes)("$name with saved state", ({ name, make, restore }) => {
  it.each([0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 70_000])("%i bytes in one piece", async (size) => {
    const bytes = randomBytes(size, size + 1);
    expect(hex(make().update(bytes).digest())).toBe(hex(await crypto.subtle.digest(name, bytes)));
  });

  it("bytes in pieces of every size around a block, saved and restored between pieces", async () => {
    const bytes = randomBytes(5000, 7);
    const cuts = [0, 1, 2, 63, 64, 65, 127, 128, 129, 200, 1000, 1063, 1064, 4999, 5000];
    let hash = make();
    for (let i = 1; i < cuts.length; i++) {
      hash.update(bytes.subarray(cuts[i - 1], cuts[i]));
      hash = restore(JSON.parse(JSON.stringify(hash.save())));
    }
    expect(hex(hash.digest())).toBe(hex(await crypto.subtle.digest(name, bytes)));
  });

  it("refuses a saved state whose pending bytes do not match its length", () => {
    const state = make().update(randomBytes(70, 3)).save();
    expect(() => restore({ ...state, length: state.length + 1 })).toThrow(/corrupt/);
  });
});
