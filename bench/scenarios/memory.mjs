// Memory: workerd's RSS while one big body streams through, for the service's three upload shapes, and the same
// body PUT to both anchors (nginx: master + workers). Growth = peak during the upload - RSS just before it.
import { del, postBinary, retryRestart, treeRssSampler } from "../lib/bench-requests.mjs";
import { MB, upload } from "../lib/measure.mjs";
import { startRssSampler } from "../lib/servers.mjs";
import { AUTH } from "../lib/service.mjs";

const MiB = 1024 * 1024;

export async function memory(run) {
  const { CFG, results, log, svc, nginx, raw } = run;
  // workerd RSS while one big body streams through: the service's three upload shapes, and the
  // same body PUT to both anchors. Growth = peak during the upload - RSS just before it.
  const size = CFG.memBytes;
  const measure = async (target, variant, pid, fn, sampler = startRssSampler) => {
    const s = sampler(pid);
    const r = await fn();
    const m = s.stop();
    if (r.status < 200 || r.status > 299)
      throw new Error(`memory ${target} ${variant}: HTTP ${r.status} ${r.body ?? ""}`);
    results.memory.push({
      target,
      variant,
      bytes: size,
      ...m,
      growthMiB: (m.peakKb - m.startKb) / 1024,
      seconds: r.seconds,
      mbps: size / MB / r.seconds,
    });
    log(
      `memory ${target} ${variant} ${(size / MiB).toFixed(0)} MiB: ` +
        `+${((m.peakKb - m.startKb) / 1024).toFixed(1)} MiB (start ${(m.startKb / 1024).toFixed(0)}, peak ` +
        `${(m.peakKb / 1024).toFixed(0)}), ${(size / MB / r.seconds).toFixed(1)} MB/s`,
    );
    return r;
  };
  const pc = await measure("service", "post-client", svc.pid, () =>
    postBinary(run, svc.baseUrl, size, "client", "memory-client.bin"),
  );
  await del(svc.baseUrl, pc.id);
  const pf = await measure("service", "post-filesize", svc.pid, () =>
    postBinary(run, svc.baseUrl, size, "filesize", "memory-filesize.bin"),
  );
  await measure("service", "put", svc.pid, () =>
    retryRestart(run, `PUT ${size} B`, () =>
      upload(`${svc.baseUrl}/inventory/binaries/${pf.id}`, size, { method: "PUT", headers: { authorization: AUTH } }),
    ),
  );
  await del(svc.baseUrl, pf.id);
  await measure("raw", "put", raw.pid, () =>
    retryRestart(run, `raw PUT ${size} B`, () => upload(`${raw.baseUrl}/o/memory`, size)),
  );
  await measure("nginx", "put", nginx.pid, () => upload(`${nginx.baseUrl}/o/memory`, size), treeRssSampler);
}
