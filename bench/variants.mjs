#!/usr/bin/env node
// Compare ways of consuming a request body inside a worker (bench/variants-worker), to find what
// bounds the service's multipart POST: chunk-by-chunk reads in JS vs R2 put of the stream, BYOB
// reads with big buffers, MD5 DigestStream, the service's multipart parser; and what the building
// blocks of an authenticated small download cost locally (D1 query, R2 get, Cache API, SHA-256).
// Usage: node bench/variants.mjs [--size-mb 50] [--runs 3] [--only latency|download] [--download-mb 500]
import "../scripts/node22.mjs"; // Node >= 22.12 even when run directly by an older machine Node
import http from "node:http";
import { parseArgs } from "node:util";
import { download, MB, markdownTable, median, upload } from "./lib/measure.mjs";
import { startWrangler } from "./lib/servers.mjs";
import { clientShapeBody } from "./lib/service.mjs";

const { values: o } = parseArgs({
  options: {
    "size-mb": { type: "string", default: "50" },
    runs: { type: "string", default: "3" },
    only: { type: "string" },
    "download-mb": { type: "string", default: "500" },
  },
});
const only = o.only;
const size = Number(o["size-mb"]) * MB,
  runs = Number(o.runs);
const t = setTimeout(() => {
  console.error("variants: deadline exceeded");
  process.exit(2);
}, 600_000);
t.unref();
const s = await startWrangler({ config: "bench/variants-worker/wrangler.toml" });
const rows = [],
  latRows = [],
  dlRows = [];
const latencyN = 200;
try {
  const cases = [
    ["/put", "R2 put(request.body): no JS per chunk (raw anchor)"],
    ["/read", "default reader, chunks discarded"],
    ["/read-byob?kb=64", "BYOB reader, 64 KiB buffer, discarded"],
    ["/read-byob?kb=1024", "BYOB reader, 1 MiB buffer, discarded"],
    ["/fixed", "default reader -> FixedLengthStream -> R2 put (service, filesize first)"],
    ["/fixed-byob?kb=1024", "BYOB 1 MiB -> copy -> FixedLengthStream -> R2 put"],
    ["/fixed-coalesce", "default reader, 4 KiB chunks gathered to 1 MiB -> FixedLengthStream -> R2 put"],
    ["/digest", "default reader -> MD5 DigestStream (service, chunked)"],
    ["/parse", "default reader -> the service parser (src/ingest), file chunks discarded"],
    ["/parse-byob", "BYOB reader, fresh 1 MiB buffers -> the service parser, discarded"],
    [
      `/parse-fixed?len=${size}`,
      "default reader -> service parser -> FixedLengthStream -> R2 put (≈ service POST, filesize first)",
    ],
    [`/parse-fixed-byob?len=${size}`, "BYOB 1 MiB -> service parser -> FixedLengthStream -> R2 put (proposed fix)"],
  ];
  for (const [path, label] of only ? [] : cases) {
    const res = [];
    for (let i = 0; i < runs + 1; i++) {
      let r;
      if (path.startsWith("/parse")) {
        const b = clientShapeBody(size, { name: "v.bin", type: "bench/variants" });
        r = await upload(`${s.baseUrl}${path}`, b.totalBytes, { method: "POST", headers: b.headers, body: b.body });
      } else r = await upload(`${s.baseUrl}${path}`, size);
      if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status} ${r.body}`);
      if (i > 0) res.push({ ...r, info: JSON.parse(r.body) }); // first run = warm-up
    }
    const med = [...res].sort((a, b) => a.seconds - b.seconds)[(res.length - 1) >> 1];
    rows.push({
      variant: label,
      path,
      "MB/s": (size / MB / med.seconds).toFixed(1),
      chunks: med.info.chunks,
      "avg chunk B": med.info.avgChunk ?? "",
    });
    console.error(path, rows.at(-1)["MB/s"], "MB/s", med.info);
  }
  // Download speed of one object stored by a single put vs by a multipart upload (8 MiB parts).
  if (!only || only === "download") {
    for (const mb of [50, Number(o["download-mb"] ?? 500)]) {
      for (const how of ["single", "multipart"]) {
        const key = `${how}-${mb}`;
        const st = await upload(`${s.baseUrl}/store?how=${how}&key=${key}`, mb * MB);
        if (st.status !== 200) throw new Error(`store ${how}: HTTP ${st.status} ${st.body}`);
        const ts = [];
        for (let i = 0; i < 3; i++) {
          const d = await download(`${s.baseUrl}/get?key=${key}`);
          if (d.status !== 200 || d.bytes !== mb * MB) throw new Error(`get ${key}: ${d.status} ${d.bytes}`);
          ts.push(d.seconds);
        }
        dlRows.push({
          object: `${mb} MB stored by ${how === "single" ? "one put" : "multipart upload, 8 MiB parts"}`,
          "GET MB/s (median of 3)": (mb / median(ts)).toFixed(1),
          "stored in": `${(st.seconds).toFixed(2)} s`,
        });
        console.error(key, dlRows.at(-1));
      }
    }
  }
  // Per-request building blocks, median of sequential GETs on one keep-alive connection.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = (path) =>
    new Promise((res, rej) =>
      http
        .get(`${s.baseUrl}${path}`, { agent }, (r) => {
          r.resume();
          r.on("end", () => res(r.statusCode));
        })
        .on("error", rej),
    );
  for (const [path, label] of only && only !== "latency"
    ? []
    : [
        ["/nothing", "empty response"],
        ["/sha256", "crypto.subtle.digest SHA-256 of the Authorization header"],
        ["/cache", "Cache API match (hit, 1 KB)"],
        ["/r2", "R2 get 1 KB (= raw anchor /small)"],
        ["/d1", "one D1 SELECT by primary key"],
        ["/d1-r2", "D1 SELECT, then R2 get 1 KB"],
      ]) {
    const ts = [];
    for (let i = 0; i < 3 + latencyN; i++) {
      const t0 = performance.now();
      const st = await get(path);
      if (st !== 200) throw new Error(`${path}: HTTP ${st}`);
      if (i >= 3) ts.push(performance.now() - t0);
    }
    latRows.push({ "building block": label, path, "median ms": median(ts).toFixed(2) });
    console.error(path, median(ts).toFixed(2), "ms");
  }
  agent.destroy();
} finally {
  await s.stop();
}
if (rows.length)
  console.log(
    `### Body-consumption variants, ${o["size-mb"]} MB, median of ${runs}\n\n` +
      `${markdownTable(["variant", "path", "MB/s", "chunks", "avg chunk B"], rows)}`,
  );
if (dlRows.length)
  console.log(
    `\n### Downloads: single-put vs multipart objects (raw worker, no service code)\n\n` +
      `${markdownTable(["object", "GET MB/s (median of 3)", "stored in"], dlRows)}`,
  );
if (latRows.length)
  console.log(
    `\n### Per-request building blocks (median of ${latencyN} sequential keep-alive GETs)\n\n` +
      `${markdownTable(["building block", "path", "median ms"], latRows)}`,
  );
