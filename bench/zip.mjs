#!/usr/bin/env node
// `npm run bench:zip`: memory and speed of GET /inventory/binaries/zip for a 1 GiB selection
// (docs/benchmarks.md "Zip of a selection"). 16 binaries of 64 MiB are stored as single-put R2
// objects (POST a small file, then PUT the 64 MiB raw: below SINGLE_PUT_MAX_BYTES, so no local
// multipart assembly, which grows workerd by the object's size whatever reads it, see "Multipart
// reads"), then the zip of all 16 is downloaded while workerd's RSS is sampled; growth = peak -
// RSS just before. A plain GET of one 64 MiB binary gives the reference speed.
//
//   node bench/zip.mjs [--files=16] [--file-mib=64] [--runs=3]
import "../scripts/node22.mjs";
import { execFileSync } from "node:child_process";
import { createWriteStream, mkdirSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { download, markdownTable, median, upload } from "./lib/measure.mjs";
import { ROOT, startRssSampler, tempDir } from "./lib/servers.mjs";
import { AUTH, postSmall, prepareState, snapshotProject, startService } from "./lib/service.mjs";

const argv = process.argv.slice(2);
const arg = (name, fallback) => Number(argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const FILES = arg("files", 16);
const FILE_BYTES = arg("file-mib", 64) * 1024 * 1024;
const RUNS = arg("runs", 3);

async function sampled(pid, url) {
  const sampler = startRssSampler(pid);
  const r = await download(url, { headers: { authorization: AUTH, "accept-encoding": "identity" } });
  const m = sampler.stop();
  if (r.status !== 200) throw new Error(`GET ${url}: HTTP ${r.status}`);
  return { ...r, growthMiB: (m.peakKb - m.startKb) / 1024 };
}

async function main() {
  const config = snapshotProject();
  const tmp = tempDir("bench-zip-");
  const state = join(tmp, "state");
  await prepareState(state, 0, tmp, config);
  const svc = await startService(state, config);
  const rows = [];
  try {
    const ids = [];
    for (let i = 0; i < FILES; i++) {
      const id = await postSmall(svc.baseUrl, `part-${i}.bin`);
      const put = await upload(`${svc.baseUrl}/inventory/binaries/${id}`, FILE_BYTES, {
        headers: { authorization: AUTH },
      });
      if (put.status !== 201) throw new Error(`PUT ${id}: HTTP ${put.status} ${put.body}`);
      ids.push(id);
    }
    // Each object read once by a plain GET first: the first read of an object in the local R2
    // emulation costs memory of its own, which is not the zip's.
    const firstReads = startRssSampler(svc.pid);
    for (const id of ids) {
      const r = await download(`${svc.baseUrl}/inventory/binaries/${id}`, { headers: { authorization: AUTH } });
      if (r.status !== 200) throw new Error(`GET ${id}: HTTP ${r.status}`);
    }
    const first = firstReads.stop();
    console.error(
      `first plain GET of each object: workerd RSS growth ${((first.peakKb - first.startKb) / 1024).toFixed(1)} MiB`,
    );
    const one = [];
    const zips = [];
    for (let r = 0; r < RUNS; r++) {
      one.push(await sampled(svc.pid, `${svc.baseUrl}/inventory/binaries/${ids[0]}`));
      zips.push(await sampled(svc.pid, `${svc.baseUrl}/inventory/binaries/zip?ids=${ids.join(",")}`));
    }
    console.error(`zip growth per run (MiB): ${zips.map((z) => z.growthMiB.toFixed(1)).join(", ")}`);
    console.error(`one-binary growth per run (MiB): ${one.map((z) => z.growthMiB.toFixed(1)).join(", ")}`);
    // The bytes are right, not only their number: one more download, checked by unzip (CRC-32 of every entry).
    const saved = join(tmp, "selection.zip");
    await new Promise((resolve, reject) => {
      http
        .get(
          `${svc.baseUrl}/inventory/binaries/zip?ids=${ids.join(",")}`,
          { headers: { authorization: AUTH } },
          (res) => pipeline(res, createWriteStream(saved)).then(resolve, reject),
        )
        .on("error", reject);
    });
    const tested = execFileSync("unzip", ["-tq", saved], { encoding: "utf8" });
    if (!tested.includes("No errors detected")) throw new Error(`unzip -t: ${tested}`);
    console.error(`unzip -t: ${tested.trim()}`);
    const total = zips[0].bytes;
    if (Number(zips[0].headers["content-length"]) !== total) throw new Error("Content-Length differs from the body");
    rows.push(
      {
        what: `one binary, ${FILE_BYTES / 1024 / 1024} MiB`,
        bytes: one[0].bytes,
        mbps: median(one.map((x) => x.mbps)),
        growth: median(one.map((x) => x.growthMiB)),
        peak: Math.max(...one.map((x) => x.growthMiB)),
      },
      {
        what: `zip of ${FILES} × ${FILE_BYTES / 1024 / 1024} MiB`,
        bytes: total,
        mbps: median(zips.map((x) => x.mbps)),
        growth: median(zips.map((x) => x.growthMiB)),
        peak: Math.max(...zips.map((x) => x.growthMiB)),
      },
    );
  } catch (error) {
    console.error(`--- service log tail ---\n${svc.log().slice(-3000)}`);
    throw error;
  } finally {
    await svc.stop();
  }
  const table = markdownTable(
    ["download", "bytes", "MB/s (median)", "workerd RSS growth MiB (median)", "growth MiB (max)"],
    rows.map((r) => ({
      download: r.what,
      bytes: r.bytes,
      "MB/s (median)": r.mbps,
      "workerd RSS growth MiB (median)": r.growth,
      "growth MiB (max)": r.peak,
    })),
  );
  const md =
    `### Zip of a selection (${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC)\n\n` +
    `${RUNS} runs. ${os.cpus().length} CPUs, load average at the end ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" / ")}.\n\n${table}\n`;
  console.log(md);
  mkdirSync(join(ROOT, "bench/results"), { recursive: true });
  writeFileSync(join(ROOT, "bench/results/zip.md"), md);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
