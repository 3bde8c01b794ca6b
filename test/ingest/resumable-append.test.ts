import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Md5 } from "../../src/hashing/md5";
import { PausableDigests } from "../../src/hashing/pausable-digests";
import { Sha256 } from "../../src/hashing/sha256";
import { type AppendTarget, appendBody, type Progress } from "../../src/ingest/resumable-append";
import { bytesToBase64 } from "../../src/utils/base64";
import { randomBytes } from "../bytes";

const MIB = 1024 * 1024;
const digest = async (algorithm: string, bytes: Uint8Array) =>
  bytesToBase64(new Uint8Array(await crypto.subtle.digest(algorithm, bytes)));
const bodyOf = (bytes: Uint8Array) => new Request("http://x", { method: "POST", body: bytes }).body;
const start = (): Progress => ({
  offset: 0,
  multipartId: null,
  parts: [],
  tailKey: null,
  tailLength: 0,
  digests: PausableDigests.start(true),
});

function target(key: string, commits: Progress[]): AppendTarget {
  let next = 1;
  let tails = 0;
  return {
    bucket: env.BUCKET,
    key,
    singleObjectKey: () => `${key}-single`,
    partSize: 5 * MIB,
    httpMetadata: { contentType: "application/x-test" },
    newTailKey: () => `%resumable/${key}/${++tails}`,
    reservePartNumber: async () => next++,
    commit: async (progress) => void commits.push(structuredClone(progress)),
    keepAlive: async () => undefined,
  };
}

describe("SHA-256 with saved state", () => {
  it("matches WebCrypto when saved and restored at every block boundary case", async () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 100_003]) {
      const bytes = randomBytes(n, n + 5);
      let state = new Sha256().save();
      const cut = n >> 2;
      for (const [from, to] of [
        [0, cut],
        [cut, cut + 1],
        [cut + 1, n],
      ] as const) {
        const sha = Sha256.restore(JSON.parse(JSON.stringify(state)));
        sha.update(bytes.subarray(from, Math.max(from, to)));
        state = sha.save();
      }
      expect(bytesToBase64(Sha256.restore(state).digest())).toBe(await digest("SHA-256", bytes));
    }
  });

  it("refuses a state whose pending bytes do not fit its length", () => {
    expect(() => Sha256.restore({ ...new Sha256().save(), length: 3 })).toThrow(/corrupt/);
  });
});

describe("appendBody: parts of one size, a tail object between requests, flat memory", () => {
  for (const [name, size, splits] of [
    ["one small append", 1000, [1000]],
    ["an empty file", 0, [0]],
    ["parts and tails across appends", 17 * MIB + 123, [3 * MIB, 1, 6 * MIB, 0, 5 * MIB - 1, 3 * MIB + 123]],
    ["an exact multiple of the part size", 10 * MIB, [5 * MIB, 5 * MIB]],
    ["an exact multiple, then an empty completing append", 10 * MIB, [10 * MIB, 0]],
  ] as const) {
    it(name, async () => {
      const data = randomBytes(size, 11);
      const commits: Progress[] = [];
      const key = `final/${name.replaceAll(" ", "-")}`;
      const into = target(key, commits);
      let progress = start();
      let at = 0;
      let result: Awaited<ReturnType<typeof appendBody>> | undefined;
      for (let i = 0; i < splits.length; i++) {
        const n = splits[i]!;
        const final = i === splits.length - 1;
        result = await appendBody(into, structuredClone(progress), bodyOf(data.subarray(at, at + n)), n, {
          commitEachPart: true,
          final,
        });
        at += n;
        progress = result.progress;
        for (const k of result.obsolete) await env.BUCKET.delete(k);
        expect(progress.offset).toBe(at);
        if (!final) expect(progress.offset).toBe(progress.parts.length * 5 * MIB + progress.tailLength);
      }
      // Every committed state satisfies the invariant, so a crash after any commit resumes correctly.
      for (const c of commits) expect(c.offset).toBe(c.parts.length * 5 * MIB + c.tailLength);
      const finalKey = result!.singleObjectKey ?? key;
      if (!result!.singleObjectKey) {
        await env.BUCKET.resumeMultipartUpload(key, progress.multipartId!).complete(progress.parts);
      }
      const stored = new Uint8Array(await (await env.BUCKET.get(finalKey))!.arrayBuffer());
      expect(stored.length).toBe(size);
      expect(await digest("SHA-256", stored)).toBe(await digest("SHA-256", data));
      expect(bytesToBase64(result!.finalDigests!.md5!)).toBe(await digest("MD5", data));
      expect(bytesToBase64(result!.finalDigests!["sha-256"]!)).toBe(await digest("SHA-256", data));
      expect((await env.BUCKET.list({ prefix: "%resumable/" })).objects).toEqual([]);
    });
  }

  it("a body that ends early fails the append and leaves no new tail", async () => {
    const commits: Progress[] = [];
    const short = randomBytes(1000, 2);
    const res = appendBody(target("short", commits), start(), bodyOf(short), 2000, {
      commitEachPart: true,
      final: false,
    });
    await expect(res).rejects.toThrow();
    expect((await env.BUCKET.list({ prefix: "%resumable/short" })).objects).toEqual([]);
    expect(commits).toEqual([]);
  });

  it("a lost lease stops the append before the next part", async () => {
    const t = target("lost", []);
    let reserved = 0;
    t.reservePartNumber = async () => {
      if (++reserved > 1) throw new Error("lease lost");
      return reserved;
    };
    const data = randomBytes(11 * MIB, 3);
    await expect(
      appendBody(t, start(), bodyOf(data), data.length, { commitEachPart: true, final: false }),
    ).rejects.toThrow("lease lost");
  });
});

describe("MD5 with saved state", () => {
  it("matches WebCrypto when saved and restored at every block boundary case", async () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 100_003]) {
      const bytes = randomBytes(n, n + 3);
      let state = new Md5().save();
      const cuts = [0, Math.floor(n / 3), Math.floor(n / 3) + 1, n];
      for (let i = 0; i + 1 < cuts.length; i++) {
        const md5 = Md5.restore(JSON.parse(JSON.stringify(state)));
        md5.update(bytes.subarray(cuts[i], Math.max(cuts[i]!, cuts[i + 1]!)));
        state = md5.save();
      }
      expect(bytesToBase64(Md5.restore(state).digest())).toBe(await digest("MD5", bytes));
    }
  });

  it("refuses a state whose pending bytes do not fit its length", () => {
    expect(() => Md5.restore({ ...new Md5().save(), length: 5 })).toThrow(/corrupt/);
  });
});
