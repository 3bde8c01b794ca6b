#!/usr/bin/env node
// `npm run bench:multipart-reads`: how fast, and with how much memory, the local stack reads back an
// object stored through R2 multipart (every client-shape POST, every body above
// SINGLE_PUT_MAX_BYTES), against the raw worker's GET of a single-put object of the same size
// (docs/benchmarks.md "Multipart reads"). For each size: the raw worker PUTs and GETs a single-put
// object; the service stores the same size with the official client's chunked POST (an R2
// multipart upload of 8 MiB parts) and downloads it twice: the first GET reads R2 (and fills the
// edge cache up to EDGE_CACHE_MAX_BYTES), the second is served by the edge cache when it fits.
// workerd's RSS is sampled during each download.
//
//   node bench/multipart-reads.mjs [--sizes-mb=50,300,1024] [--runs=3]
import "../scripts/node22.mjs";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { download, MB, markdownTable, median, upload } from "./lib/measure.mjs";
import { ROOT, startRssSampler, startWrangler, tempDir } from "./lib/servers.mjs";
import { AUTH, clientShapeBody, prepareState, snapshotProject, startService } from "./lib/service.mjs";

const argv = process.argv.slice(2);
const arg = (name, fallback) => argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback;
const SIZES = arg("sizes-mb", "50,300,1024").split(",").map(Number);
const RUNS = Number(arg("runs", 3));

/** One download with workerd's RSS sampled meanwhile; growth = peak - RSS just before. */
async function sampled(pid, url, headers = {}) {
  const sampler = startRssSampler(pid);
  const r = await download(url, { headers });
  const m = sampler.stop();
  if (r.status !== 200) throw new Error(`GET ${url}: HTTP ${r.status}`);
  return { ...r, growthMiB: (m.peakKb - m.startKb) / 1024, edge: r.headers?.["x-edge-cache"] };
}

async function main() {
  const config = snapshotProject();
  const tmp = tempDir("bench-mp-");
  const state = join(tmp, "state");
  await prepareState(state, 0, tmp, config);
  const svc = await startService(state, config);
  const raw = await startWrangler({ config: "bench/raw-worker/wrangler.toml" });
  const rows = [];
  try {
    for (const sizeMB of SIZES) {
      const bytes = Math.round(sizeMB * MB);
      const put = await upload(`${raw.baseUrl}/o/single-${sizeMB}`, bytes);
      if (put.status !== 201) throw new Error(`raw PUT: ${put.status}`);
      const body = clientShapeBody(bytes, { name: `mp-${sizeMB}.bin`, type: "bench/multipart" });
      const posted = await upload(`${svc.baseUrl}/inventory/binaries`, body.totalBytes, {
        method: "POST",
        chunked: true,
        headers: { authorization: AUTH, accept: "application/json", ...body.headers },
        body: body.body,
      });
      if (posted.status !== 201) throw new Error(`service POST: ${posted.status} ${posted.body}`);
      const id = JSON.parse(posted.body).id;
      const rawRuns = [];
      for (let i = 0; i < RUNS; i++) rawRuns.push(await sampled(raw.pid, `${raw.baseUrl}/o/single-${sizeMB}`));
      const first = await sampled(svc.pid, `${svc.baseUrl}/inventory/binaries/${id}`, { authorization: AUTH });
      const again = [];
      for (let i = 0; i < RUNS; i++) {
        again.push(await sampled(svc.pid, `${svc.baseUrl}/inventory/binaries/${id}`, { authorization: AUTH }));
      }
      const rawMbps = median(rawRuns.map((r) => r.mbps));
      rows.push(
        {
          size: `${sizeMB} MB`,
          read: "raw worker, single-put object",
          mbps: rawMbps,
          ratio: 1,
          growth: median(rawRuns.map((r) => r.growthMiB)),
        },
        {
          size: `${sizeMB} MB`,
          read: "service, multipart object, first GET (R2)",
          mbps: first.mbps,
          ratio: first.mbps / rawMbps,
          growth: first.growthMiB,
        },
        {
          size: `${sizeMB} MB`,
          read: `service, multipart object, later GETs (${again[0]?.edge === "hit" ? "edge cache" : "R2"})`,
          mbps: median(again.map((r) => r.mbps)),
          ratio: median(again.map((r) => r.mbps)) / rawMbps,
          growth: median(again.map((r) => r.growthMiB)),
        },
      );
      console.error(`done ${sizeMB} MB`);
    }
  } finally {
    await Promise.allSettled([svc.stop(), raw.stop()]);
  }
  const table = markdownTable(
    ["size", "read", "MB/s", "÷ raw single-put GET", "workerd RSS growth MiB"],
    rows.map((r) => ({
      size: r.size,
      read: r.read,
      "MB/s": r.mbps,
      "÷ raw single-put GET": r.ratio,
      "workerd RSS growth MiB": r.growth,
    })),
  );
  const md =
    `### Multipart reads (${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC)\n\n` +
    `Median of ${RUNS} (first GET: one). ${os.cpus().length} CPUs, load average at the end ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" / ")}.\n\n${table}\n`;
  console.log(md);
  mkdirSync(join(ROOT, "bench/results"), { recursive: true });
  writeFileSync(join(ROOT, "bench/results/multipart-reads.md"), md);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
