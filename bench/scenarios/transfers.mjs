// Transfers: uploads and downloads of 1, 50 (and 500) MB to nginx and the raw R2 worker next to the service's
// POST (client and filesize-first shapes), PUT and GETs, interleaved run by run; medians into results.transfer.
import { del, IDENTITY, postBinary, retryRestart } from "../lib/bench-requests.mjs";
import { download, MB, upload } from "../lib/measure.mjs";
import { AUTH } from "../lib/service.mjs";

/** `run`: the run's state (CFG, results, log, the three servers). */
export async function transfers(run) {
  const { CFG, svc, nginx, raw } = run;
  for (const mb of CFG.sizesMB) {
    const size = mb * MB,
      runs = CFG.runs[mb];
    const putTarget = (await postBinary(run, svc.baseUrl, 1024, "filesize", `put-target-${mb}mb.bin`)).id;
    const series = { nginx: [], raw: [], "post-client": [], "post-filesize": [], put: [] };
    let keepPosted;
    for (let i = 0; i < runs; i++) {
      // Interleaved, so drift (page cache, thermal, background) hits every target alike.
      series.nginx.push(
        await retryRestart(run, `nginx PUT ${size} B`, () => upload(`${nginx.baseUrl}/o/file-${mb}mb`, size)),
      );
      series.raw.push(
        await retryRestart(run, `raw PUT ${size} B`, () => upload(`${raw.baseUrl}/o/file-${mb}mb`, size)),
      );
      const pc = await postBinary(run, svc.baseUrl, size, "client", `client-${mb}mb-${i}.bin`);
      series["post-client"].push(pc);
      const pf = await postBinary(run, svc.baseUrl, size, "filesize", `filesize-${mb}mb-${i}.bin`);
      series["post-filesize"].push(pf);
      series.put.push(
        await retryRestart(run, `PUT ${size} B`, () =>
          upload(`${svc.baseUrl}/inventory/binaries/${putTarget}`, size, {
            method: "PUT",
            headers: { authorization: AUTH },
          }),
        ),
      );
      await del(svc.baseUrl, pf.id);
      if (keepPosted) await del(svc.baseUrl, keepPosted);
      keepPosted = pc.id;
    }
    for (const [k, list] of Object.entries(series))
      for (const x of list)
        if (x.status < 200 || x.status > 299) throw new Error(`upload ${k} ${mb} MB: HTTP ${x.status} ${x.body ?? ""}`);
    record(run, "upload", mb, series);

    const dl = { nginx: [], raw: [], "get-posted": [], "get-put": [] };
    const urls = {
      nginx: [`${nginx.baseUrl}/o/file-${mb}mb`, IDENTITY],
      raw: [`${raw.baseUrl}/o/file-${mb}mb`, IDENTITY],
      "get-posted": [`${svc.baseUrl}/inventory/binaries/${keepPosted}`, { ...IDENTITY, authorization: AUTH }],
      "get-put": [`${svc.baseUrl}/inventory/binaries/${putTarget}`, { ...IDENTITY, authorization: AUTH }],
    };
    for (let i = 0; i < CFG.downloadRuns[mb]; i++) {
      for (const [k, [url, headers]] of Object.entries(urls)) {
        const d = await download(url, { headers });
        if (d.status !== 200 || d.bytes !== size)
          throw new Error(`download ${k} ${mb} MB: HTTP ${d.status}, ${d.bytes} of ${size} bytes`);
        dl[k].push(d);
      }
    }
    record(run, "download", mb, dl);
    await del(svc.baseUrl, keepPosted);
    await del(svc.baseUrl, putTarget);
  }
}

/** Each series' median run into results.transfer, and one log line with every series' rate. */
function record({ results, log }, op, mb, bySeries) {
  const size = mb * MB;
  for (const [k, list] of Object.entries(bySeries)) {
    const med = [...list].sort((a, b) => a.seconds - b.seconds)[(list.length - 1) >> 1];
    results.transfer.push({
      op,
      series: k,
      sizeMB: mb,
      seconds: med.seconds,
      mbps: size / MB / med.seconds,
      runs: list.map((x) => x.seconds),
    });
  }
  const rates = results.transfer.slice(-Object.keys(bySeries).length);
  log(`${op} ${mb} MB: ${rates.map((x) => `${x.series} ${x.mbps.toFixed(1)}`).join(", ")} MB/s`);
}
