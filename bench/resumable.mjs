#!/usr/bin/env node
// `npm run bench:resumable`: throughput of a resumable (tus) upload in 50 MiB PATCHes against the
// single POST of the same size (docs/benchmarks.md "Resumable uploads"), on one `wrangler dev` of
// the service, with workerd's RSS growth during each. The POST is the official client's shape
// (chunked, file part first) and the filesize-first shape (known length); the tus upload is a
// creation followed by PATCHes of 50 MiB with Content-Length, as tus-js-client sends them.
//
//   node bench/resumable.mjs [--sizes-mb=100,500] [--runs=2] [--chunk-mib=50]
import "../scripts/node22.mjs";
import { join } from "node:path";
import { MB, markdownTable, median, upload } from "./lib/measure.mjs";
import { startRssSampler, tempDir } from "./lib/servers.mjs";
import {
  AUTH,
  clientShapeBody,
  filesizeFirstBody,
  prepareState,
  snapshotProject,
  startService,
} from "./lib/service.mjs";

const argv = process.argv.slice(2);
const arg = (name, fallback) => argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback;
const SIZES = arg("sizes-mb", "100,500").split(",").map(Number);
const RUNS = Number(arg("runs", 2));
const CHUNK = Number(arg("chunk-mib", 50)) * 1024 * 1024;

/** One measured step: seconds, MB/s and workerd RSS growth (peak - before). */
async function measured(pid, bytes, step) {
  const sampler = startRssSampler(pid);
  const t0 = process.hrtime.bigint();
  await step();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const m = sampler.stop();
  return { seconds, mbps: bytes / MB / seconds, growthMiB: (m.peakKb - m.startKb) / 1024 };
}

async function post(base, bytes, shape) {
  const object = { name: `post-${bytes}.bin`, type: "bench/resumable" };
  const body = shape === "client" ? clientShapeBody(bytes, object) : filesizeFirstBody(bytes, object);
  const res = await upload(`${base}/inventory/binaries`, body.totalBytes, {
    method: "POST",
    chunked: shape === "client",
    headers: { authorization: AUTH, ...body.headers },
    body: body.body,
  });
  if (res.status !== 201) throw new Error(`POST: HTTP ${res.status} ${res.body}`);
}

async function resumable(base, bytes) {
  const name = Buffer.from(`tus-${bytes}.bin`).toString("base64");
  const created = await fetch(`${base}/inventory/binaries/uploads`, {
    method: "POST",
    headers: {
      authorization: AUTH,
      "tus-resumable": "1.0.0",
      "upload-length": String(bytes),
      "upload-metadata": `filename ${name}`,
    },
  });
  if (created.status !== 201) throw new Error(`tus POST: HTTP ${created.status} ${await created.text()}`);
  const url = created.headers.get("location");
  for (let offset = 0; offset < bytes; offset += CHUNK) {
    const size = Math.min(CHUNK, bytes - offset);
    const res = await upload(url, size, {
      method: "PATCH",
      headers: {
        authorization: AUTH,
        "tus-resumable": "1.0.0",
        "upload-offset": String(offset),
        "content-type": "application/offset+octet-stream",
      },
    });
    if (res.status !== 204) throw new Error(`PATCH at ${offset}: HTTP ${res.status} ${res.body}`);
  }
}

async function main() {
  const config = snapshotProject();
  const tmp = tempDir("bench-resumable-");
  const state = join(tmp, "state");
  await prepareState(state, 0, tmp, config);
  const svc = await startService(state, config);
  const rows = [];
  try {
    // Warm-up: the local runtime grows by itself with its first big bodies (docs/benchmarks.md).
    await post(svc.baseUrl, 200 * MB, "client");
    await resumable(svc.baseUrl, 200 * MB);
    for (const sizeMB of SIZES) {
      const bytes = Math.round(sizeMB * MB);
      const cases = {
        "POST, client shape (chunked)": () => post(svc.baseUrl, bytes, "client"),
        "POST, filesize first": () => post(svc.baseUrl, bytes, "filesize"),
        [`tus, ${CHUNK / 1024 / 1024} MiB PATCHes`]: () => resumable(svc.baseUrl, bytes),
      };
      const results = {};
      for (const [label, step] of Object.entries(cases)) {
        results[label] = [];
        for (let i = 0; i < RUNS; i++) results[label].push(await measured(svc.pid, bytes, step));
      }
      const postMbps = median(results["POST, client shape (chunked)"].map((r) => r.mbps));
      for (const [label, runs] of Object.entries(results)) {
        const mbps = median(runs.map((r) => r.mbps));
        const growth = Math.max(...runs.map((r) => r.growthMiB));
        rows.push({
          size: `${sizeMB} MB`,
          upload: label,
          "MB/s (median)": mbps.toFixed(1),
          "vs client-shape POST": (mbps / postMbps).toFixed(2),
          "workerd RSS growth, max (MiB)": growth.toFixed(1),
        });
        console.error(`${sizeMB} MB ${label}: ${mbps.toFixed(1)} MB/s, RSS +${growth.toFixed(1)} MiB`);
      }
    }
  } finally {
    await svc.stop();
  }
  console.log(
    markdownTable(["size", "upload", "MB/s (median)", "vs client-shape POST", "workerd RSS growth, max (MiB)"], rows),
  );
  console.log(`\n${RUNS} run(s) each, ${new Date().toISOString()}, after a 200 MB warm-up of both paths.`);
}

await main();
