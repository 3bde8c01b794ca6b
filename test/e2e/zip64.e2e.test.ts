/// <reference types="node" />
/**
 * The zip writer of GET /inventory/binaries/zip (src/downloads/zip-archive.ts) on a set above
 * 4 GiB, checked by two independent readers: Info-ZIP's `unzip -t` and Python's `zipfile`. The
 * bytes are generated, not stored: one entry of 4 GiB + 1 MiB of zeros (so the file it is written
 * to stays sparse: zero chunks are skipped with positional writes) followed by small entries with
 * non-ASCII names that start past 4 GiB, so both ZIP64 cases are exercised: a size that needs
 * 64 bits and an offset that needs 64 bits.
 */
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ZipEntry, zipStream } from "../../src/downloads/zip-archive";

const MIB = 1024 * 1024;
const BIG = 4 * 1024 * MIB + MIB;
const CHUNK = 4 * MIB;
const ZEROS = new Uint8Array(CHUNK);

function zeroStream(length: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= length) return controller.close();
      const n = Math.min(CHUNK, length - sent);
      sent += n;
      controller.enqueue(n === CHUNK ? ZEROS : new Uint8Array(n));
    },
  });
}

const small = (text: string) => new TextEncoder().encode(text);
const entries: (ZipEntry & { content?: Uint8Array })[] = [
  { id: 1, name: "firmware.img", key: "big", length: BIG, lastModified: Date.UTC(2026, 0, 2, 3, 4, 6) },
  { id: 2, name: "Prüfbericht Ω 日本.txt", key: "a", length: 0, lastModified: Date.UTC(2026, 5, 1) },
  { id: 3, name: "../FIRMWARE.IMG", key: "b", length: 0, lastModified: Date.UTC(2026, 5, 1) },
];
entries[1]!.content = small("Grüße aus dem Prüflabor\n");
entries[2]!.content = small("second\n");
for (const entry of entries) if (entry.content) entry.length = entry.content.length;

let dir: string;
let file: string;
let predicted: bigint;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "zip64-"));
  file = join(dir, "set.zip");
  const contents = new Map(entries.map((entry) => [entry.id, entry.content]));
  const zip = zipStream(entries, async (entry) => {
    const content = contents.get(entry.id);
    return content ? new Blob([content]).stream() : zeroStream(entry.length);
  });
  predicted = zip.length;
  const fd = openSync(file, "w");
  let position = 0;
  try {
    for await (const chunk of zip.body) {
      // All-zero chunks become a hole: the 4 GiB file takes almost no disk.
      const zero =
        chunk.length >= 64 * 1024 &&
        Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length).equals(Buffer.from(ZEROS.buffer, 0, chunk.length));
      if (!zero) writeSync(fd, chunk, 0, chunk.length, position);
      position += chunk.length;
    }
  } finally {
    closeSync(fd);
  }
  execFileSync("truncate", ["-s", String(position), file]);
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a generated zip above 4 GiB", () => {
  it("is exactly as long as predicted (the Content-Length of the endpoint)", () => {
    expect(BigInt(statSync(file).size)).toBe(predicted);
    expect(statSync(file).size).toBeGreaterThan(4 * 1024 * MIB);
  });

  it("passes `unzip -t` (CRC-32 of every entry checked)", () => {
    const out = execFileSync("unzip", ["-t", file], { encoding: "utf8", timeout: 240_000 });
    expect(out).toContain("No errors detected");
    expect(out).toContain("firmware.img");
  }, 300_000);

  it("opens with Python's zipfile: ZIP64 sizes and offsets, UTF-8 names, safe unique names, stored", () => {
    const script = [
      "import json, sys, zipfile",
      "z = zipfile.ZipFile(sys.argv[1])",
      "bad = z.testzip()",
      "infos = z.infolist()",
      "print(json.dumps({'bad': bad, 'entries': [",
      "  {'name': i.filename, 'size': i.file_size, 'offset': i.header_offset, 'method': i.compress_type,",
      "   'utf8': bool(i.flag_bits & 0x800), 'date': list(i.date_time)} for i in infos],",
      "  'text': z.read(infos[1]).decode('utf-8')}))",
    ].join("\n");
    const out = JSON.parse(execFileSync("python3", ["-c", script, file], { encoding: "utf8", timeout: 240_000 }));
    expect(out.bad).toBeNull();
    expect(out.entries.map((e: { name: string }) => e.name)).toEqual([
      "firmware.img",
      "Prüfbericht Ω 日本.txt",
      ".._FIRMWARE.IMG",
    ]);
    // DOS times are local times of the writer (UTC in Workers).
    const t = new Date(entries[0]!.lastModified);
    const date = [t.getFullYear(), t.getMonth() + 1, t.getDate(), t.getHours(), t.getMinutes(), t.getSeconds()];
    expect(out.entries[0]).toMatchObject({ size: BIG, method: 0, utf8: true, date });
    expect(out.entries[1].offset).toBeGreaterThan(4 * 1024 * MIB);
    expect(out.text).toBe("Grüße aus dem Prüflabor\n");
  }, 300_000);
});
