import { it } from "vitest";
import { parseMultipartStream } from "../src/upload/multipart-stream";

const enc = new TextEncoder();
function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({ pull(c) { if (i >= chunks.length) return c.close(); c.enqueue(chunks[i++]!); } });
}
function cut(body: Uint8Array, cuts: number[]): Uint8Array[] {
  const out: Uint8Array[] = []; let p = 0;
  for (const c of [...cuts, body.length]) { out.push(body.slice(p, c)); p = c; }
  return out.filter((x) => x.length);
}
async function ours(chunks: Uint8Array[], ct: string) {
  const ev: unknown[] = [];
  try {
    for await (const e of parseMultipartStream(streamOf(chunks), ct, { isFile: (n) => n === "file", maxFieldSize: 1e6 })) {
      ev.push(e.kind === "field" ? { ...e, value: new TextDecoder().decode(e.value) } : e.kind === "fileChunk" ? { kind: "chunk", s: new TextDecoder().decode(e.chunk) } : e);
    }
  } catch (e) { ev.push(String(e)); }
  return ev;
}
async function ref(body: Uint8Array, ct: string) {
  try {
    const fd = await new Request("http://x", { method: "POST", body, headers: { "content-type": ct } }).formData();
    const out: unknown[] = [];
    for (const [k, v] of fd) out.push(typeof v === "string" ? [k, v] : [k, v.name, v.type, await v.text()]);
    return out;
  } catch (e) { return String(e); }
}
async function show(label: string, bodyStr: string, ct: string, cuts: number[] = []) {
  const body = enc.encode(bodyStr);
  console.log(label, JSON.stringify({ ours: await ours(cut(body, cuts), ct), ref: await ref(body, ct) }));
}

it("probe", async () => {
  const B = "multipart/form-data; boundary=b";
  const part = (h: string, v: string) => `--b\r\n${h}\r\n\r\n${v}\r\n`;
  await show("backslash filename", part('Content-Disposition: form-data; name="file"; filename="C:\\dir\\a.txt"', 'x') + "--b--\r\n", B);
  await show("nospace colon", part('Content-Disposition:form-data; name="file"; filename="a.txt"\r\nContent-Type:image/png', 'x') + "--b--\r\n", B);
  await show("spaces filename", part('Content-Disposition: form-data; name="file"; filename="  a b  "', 'x') + "--b--\r\n", B);
  await show("empty boundary", part('Content-Disposition: form-data; name="a"', 'x') + "--b--\r\n", 'multipart/form-data; boundary=""');
  await show("empty boundary2", '--\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n----\r\n', 'multipart/form-data; boundary=""');
  await show("boundary=", part('Content-Disposition: form-data; name="a"', 'x') + "--b--\r\n", 'multipart/form-data; boundary=');
  await show("boundary 71", `--${"a".repeat(71)}\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n--${"a".repeat(71)}--`, `multipart/form-data; boundary=${"a".repeat(71)}`);
  await show("two ct headers", part('Content-Disposition: form-data; name="file"; filename="a"\r\nContent-Type: image/png\r\nContent-Type: text/plain', 'x') + "--b--\r\n", B);
  await show("dup cd", part('Content-Disposition: form-data; name="a"\r\nContent-Disposition: form-data; name="c"', 'x') + "--b--\r\n", B);
  await show("no cd", part('Content-Type: text/plain', 'x') + "--b--\r\n", B);
  await show("attachment cd", part('Content-Disposition: attachment; name="a"', 'x') + "--b--\r\n", B);
  await show("bad utf8 field", part('Content-Disposition: form-data; name="a"', 'x') .replace("x", "x\xff\xfey") + "--b--\r\n", B);
  await show("folded header", part('Content-Disposition: form-data;\r\n name="a"', 'x') + "--b--\r\n", B);
  await show("header w/o colon", part('Content-Disposition: form-data; name="a"\r\nGarbage', 'x') + "--b--\r\n", B);
  await show("LF-only headers", '--b\nContent-Disposition: form-data; name="a"\n\nx\r\n--b--\r\n', B);
});
