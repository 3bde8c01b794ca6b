// Minimal R2 pass-through used as the "floor of the local stack" benchmark anchor.
//   PUT /o/<key>  stream the body into R2 (needs Content-Length: R2 put wants a known length) -> 201
//   GET /o/<key>  stream the object back with Content-Length
//   GET /small    a fixed 1 KB object read from R2 (created on first use), for wrk
const SMALL = `${"x".repeat(1023)}\n`;

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/small" && request.method === "GET") {
      let obj = await env.BUCKET.get("small");
      if (!obj) {
        await env.BUCKET.put("small", SMALL);
        obj = await env.BUCKET.get("small");
      }
      return new Response(obj.body, { headers: { "content-length": String(obj.size), "content-type": "text/plain" } });
    }
    if (url.pathname.startsWith("/o/") && url.pathname.length > 3) {
      const key = decodeURIComponent(url.pathname.slice(3));
      if (request.method === "PUT") {
        if (!request.headers.get("content-length")) return new Response("Content-Length required\n", { status: 411 });
        const obj = await env.BUCKET.put(key, request.body);
        return new Response(`${obj.size}\n`, { status: 201 });
      }
      if (request.method === "GET") {
        const obj = await env.BUCKET.get(key);
        if (!obj) return new Response("not found\n", { status: 404 });
        return new Response(obj.body, {
          headers: { "content-length": String(obj.size), "content-type": "application/octet-stream" },
        });
      }
      return new Response("method not allowed\n", { status: 405 });
    }
    return new Response("raw-bench\n");
  },
};
