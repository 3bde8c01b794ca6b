// Body-consumption variants, each answering JSON {chunks, bytes, avgChunk, ms}:
//   PUT /put                 bucket.put(request.body)            (the raw anchor: no JS per chunk)
//   PUT /read                default reader, discard chunks      (cost of reading chunk by chunk in JS)
//   PUT /read-byob?kb=N      BYOB reader with an N KiB buffer, discard
//   PUT /fixed               default reader -> FixedLengthStream writer -> bucket.put (service's filesize path)
//   PUT /fixed-byob?kb=N     BYOB reader -> FixedLengthStream -> put
//   PUT /digest              default reader -> DigestStream(MD5) writer, discard (service's chunked path)
//   POST /parse, /parse-byob  multipart body through the service's parser (src/ingest), file chunks
//                            discarded; -byob: read with a BYOB reader into fresh 1 MiB buffers
//   POST /parse-fixed[-byob]?len=N  parser -> FixedLengthStream -> R2 put (the filesize-first path)
// The service's own streaming multipart parser (src/ingest), fed two ways.
import { parseFormDataStream } from "../../src/ingest/form-data-stream.ts";

/** The proposed fix: the same body, read with a BYOB reader into fresh `size`-byte buffers. */
function bigChunks(body, size = 1 << 20) {
  const reader = body.getReader({ mode: "byob" });
  return new ReadableStream({
    async pull(controller) {
      const { done, value } = await reader.read(new Uint8Array(size));
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

async function parseInto(body, contentType, onFileChunk) {
  let chunks = 0,
    bytes = 0;
  for await (const e of parseFormDataStream(body, contentType, { isFile: (n) => n === "file", maxFieldSize: 65536 })) {
    if (e.kind === "fileChunk") {
      chunks++;
      bytes += e.chunk.length;
      await onFileChunk(e.chunk);
    }
  }
  return { chunks, bytes };
}

async function readAll(body, onChunk, byobKb, fresh = false) {
  let chunks = 0,
    bytes = 0;
  if (byobKb) {
    const reader = body.getReader({ mode: "byob" });
    let buf = new ArrayBuffer(byobKb * 1024);
    for (;;) {
      const { done, value } = await reader.read(new Uint8Array(fresh ? new ArrayBuffer(byobKb * 1024) : buf));
      if (done) break;
      chunks++;
      bytes += value.length;
      // Reused buffer: a consumer that keeps the chunk must copy it. Fresh: each read gets its own.
      await onChunk(value);
      buf = value.buffer;
    }
  } else {
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks++;
      bytes += value.length;
      await onChunk(value);
    }
  }
  return { chunks, bytes };
}

let d1Ready;
const SMALL = new Uint8Array(1024).fill(120);

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    // Per-request building blocks of an authenticated 1 KB download, one at a time (GET):
    //   /nothing  /sha256 (crypto.subtle.digest of a header)  /d1 (one SELECT by primary key)
    //   /r2 (get a 1 KB object)  /cache (Cache API match, a hit)  /d1-r2 (SELECT then R2 get)
    if (request.method === "GET" && url.pathname !== "/") {
      d1Ready ??= (async () => {
        await env.DB.prepare(
          "CREATE TABLE IF NOT EXISTS b (id INTEGER PRIMARY KEY, tenant TEXT, name TEXT, r2_key TEXT, fragments TEXT)",
        ).run();
        await env.DB.prepare("INSERT OR REPLACE INTO b VALUES (1, 'management', 'x.bin', 'small', '{}')").run();
        await env.BUCKET.put("small", SMALL);
        await caches.default.put(
          "https://cache.internal/small",
          new Response(SMALL, { headers: { "cache-control": "max-age=3600" } }),
        );
      })();
      await d1Ready;
      switch (url.pathname) {
        case "/nothing":
          return new Response("ok");
        case "/sha256": {
          const d = await crypto.subtle.digest(
            "SHA-256",
            new TextEncoder().encode(request.headers.get("authorization") ?? "Basic YWRtaW46YWRtaW4="),
          );
          return new Response(String(new Uint8Array(d)[0]));
        }
        case "/d1":
          return Response.json(
            await env.DB.prepare("SELECT * FROM b WHERE tenant = ? AND id = ?").bind("management", 1).first(),
          );
        case "/r2": {
          const o = await env.BUCKET.get("small");
          return new Response(o.body, { headers: { "content-length": String(o.size) } });
        }
        case "/cache": {
          const h = await caches.default.match("https://cache.internal/small");
          return new Response(h ? h.body : "miss");
        }
        case "/d1-r2": {
          const row = await env.DB.prepare("SELECT * FROM b WHERE tenant = ? AND id = ?").bind("management", 1).first();
          const o = await env.BUCKET.get(row.r2_key);
          return new Response(o.body, { headers: { "content-length": String(o.size) } });
        }
      }
    }
    const kb = Number(url.searchParams.get("kb") || 0);
    const t0 = Date.now();
    let r;
    // Downloads of an object stored by one put vs by an R2 multipart upload (parts of ?part= bytes,
    // default 8 MiB as the service's chunked POST makes them): PUT /store?how=single|multipart&key=k,
    // GET /get?key=k streams it back.
    if (url.pathname === "/get" && request.method === "GET") {
      const o = await env.BUCKET.get(url.searchParams.get("key"));
      if (!o) return new Response("not found", { status: 404 });
      return new Response(o.body, { headers: { "content-length": String(o.size) } });
    }
    if (url.pathname === "/store") {
      const key = url.searchParams.get("key");
      if (url.searchParams.get("how") !== "multipart") {
        const o = await env.BUCKET.put(key, request.body);
        return Response.json({ size: o.size });
      }
      const partSize = Number(url.searchParams.get("part") || 8388608);
      const upload = await env.BUCKET.createMultipartUpload(key);
      const parts = [];
      let buf = new Uint8Array(partSize),
        filled = 0;
      const reader = request.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        let off = 0;
        while (off < value.length) {
          const n = Math.min(partSize - filled, value.length - off);
          buf.set(value.subarray(off, off + n), filled);
          filled += n;
          off += n;
          if (filled === partSize) {
            parts.push(await upload.uploadPart(parts.length + 1, buf));
            buf = new Uint8Array(partSize);
            filled = 0;
          }
        }
      }
      if (filled) parts.push(await upload.uploadPart(parts.length + 1, buf.subarray(0, filled)));
      const o = await upload.complete(parts);
      return Response.json({ size: o.size, parts: parts.length });
    }
    switch (url.pathname) {
      case "/put": {
        const o = await env.BUCKET.put("v", request.body);
        r = { chunks: 0, bytes: o.size };
        break;
      }
      case "/read":
        r = await readAll(request.body, () => undefined);
        break;
      case "/read-byob":
        r = await readAll(request.body, () => undefined, kb || 1024);
        break;
      case "/fixed":
      case "/fixed-byob": {
        const len = Number(request.headers.get("content-length"));
        const fs = new FixedLengthStream(len);
        const w = fs.writable.getWriter();
        const put = env.BUCKET.put("v", fs.readable);
        // BYOB buffers are reused, so a writer must get a copy (the service would do the same).
        r = await readAll(
          request.body,
          (c) => w.write(url.pathname === "/fixed" ? c : c.slice()),
          url.pathname === "/fixed" ? 0 : kb || 1024,
        );
        await w.close();
        await put;
        break;
      }
      case "/fixed-coalesce": {
        // Default 4 KiB reads, gathered into 1 MiB before each write to the FixedLengthStream.
        const len = Number(request.headers.get("content-length"));
        const fs = new FixedLengthStream(len);
        const w = fs.writable.getWriter();
        const put = env.BUCKET.put("v", fs.readable);
        let buf = new Uint8Array(1 << 20),
          filled = 0;
        r = await readAll(request.body, async (c) => {
          let off = 0;
          while (off < c.length) {
            const n = Math.min(buf.length - filled, c.length - off);
            buf.set(c.subarray(off, off + n), filled);
            filled += n;
            off += n;
            if (filled === buf.length) {
              await w.write(buf);
              buf = new Uint8Array(1 << 20);
              filled = 0;
            }
          }
        });
        if (filled) await w.write(buf.subarray(0, filled));
        await w.close();
        await put;
        break;
      }
      case "/digest": {
        const d = new crypto.DigestStream("MD5");
        const w = d.getWriter();
        r = await readAll(request.body, (c) => w.write(c));
        await w.close();
        await d.digest;
        break;
      }
      case "/parse":
      case "/parse-byob":
        r = await parseInto(
          url.pathname === "/parse" ? request.body : bigChunks(request.body),
          request.headers.get("content-type"),
          () => undefined,
        );
        break;
      case "/parse-fixed":
      case "/parse-fixed-byob": {
        // ≈ the service's filesize-first POST: parser -> file chunks -> FixedLengthStream -> R2 put.
        const fs = new FixedLengthStream(Number(url.searchParams.get("len")));
        const w = fs.writable.getWriter();
        const put = env.BUCKET.put("v", fs.readable);
        r = await parseInto(
          url.pathname === "/parse-fixed" ? request.body : bigChunks(request.body),
          request.headers.get("content-type"),
          (c) => w.write(c),
        );
        await w.close();
        await put;
        break;
      }
      default:
        return new Response("variants\n");
    }
    const ms = Date.now() - t0;
    return Response.json({ ...r, avgChunk: r.chunks ? Math.round(r.bytes / r.chunks) : null, ms });
  },
};
