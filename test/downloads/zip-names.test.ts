import { describe, expect, it } from "vitest";
import { safeEntryName, uniqueEntryNames } from "../../src/downloads/zip-names";

const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;

describe("zip entry names", () => {
  it("never leave the folder they are unpacked into, and are creatable on Windows", () => {
    expect(safeEntryName("../../etc/passwd", "x")).toBe(".._.._etc_passwd");
    expect(safeEntryName("/abs/path", "x")).toBe("_abs_path");
    expect(safeEntryName("C:\\Windows\\evil.dll", "x")).toBe("C__Windows_evil.dll");
    expect(safeEntryName("tab\there\u0000nul\u007f.txt", "x")).toBe("tab_here_nul_.txt");
    expect(safeEntryName('a<b>c:d"e|f?g*h', "x")).toBe("a_b_c_d_e_f_g_h");
    expect(safeEntryName("trailing. . ", "x")).toBe("trailing");
    expect(safeEntryName("CON", "x")).toBe("_CON");
    expect(safeEntryName("nul.txt", "x")).toBe("_nul.txt");
    expect(safeEntryName("..", "binary-7")).toBe("binary-7");
    expect(safeEntryName("   ", "binary-7")).toBe("binary-7");
    expect(safeEntryName("bad\ud800surrogate", "x")).toBe("bad_surrogate");
  });

  it("keep non-ASCII names and cut long ones to 255 UTF-8 bytes, keeping the extension", () => {
    expect(safeEntryName("Prüfbericht Ω 日本.txt", "x")).toBe("Prüfbericht Ω 日本.txt");
    const long = safeEntryName(`${"日".repeat(200)}.tar.gz`, "x");
    expect(utf8Bytes(long)).toBeLessThanOrEqual(255);
    expect(long.endsWith(".gz")).toBe(true);
  });

  it("are unique ignoring case, numbering repeats before the extension and skipping taken numbers", () => {
    const names = uniqueEntryNames(
      ["a.txt", "A.TXT", "a (2).txt", "a.txt", "", "noext", "noext"].map((name, i) => ({ name, id: i + 1 })),
    );
    expect(names).toEqual(["a.txt", "A (2).TXT", "a (2) (2).txt", "a (3).txt", "binary-5", "noext", "noext (2)"]);
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
  });
});
