import { describe, expect, it } from "vitest";
import { contentDisposition } from "../../src/http/content-disposition";

const _query = (params: Record<string, string>) => (name: string) => params[name];

describe("contentDisposition", () => {
  it("plain ASCII names are quoted as they are", () => {
    expect(contentDisposition("a b.pdf")).toBe('attachment; filename="a b.pdf"');
  });
  it("adds filename* for names that cannot go raw, and survives lone surrogates", () => {
    expect(contentDisposition("日本.txt")).toBe(
      "attachment; filename=\"__.txt\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt",
    );
    expect(contentDisposition("a\ud800b")).toBe("attachment; filename=\"a_b\"; filename*=UTF-8''a%EF%BF%BDb");
    expect(contentDisposition("it's")).toBe('attachment; filename="it\'s"');
  });
});
