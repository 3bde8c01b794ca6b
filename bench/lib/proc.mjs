// Linux /proc helpers: find the workerd processes under a `wrangler dev` and read their memory,
// so a benchmark can show whether memory grows with the size of a streamed body.
import { readdirSync, readFileSync } from "node:fs";

/** ppid of every process, from /proc/<pid>/stat (comm may contain spaces/parens: split after the last ')'). */
function ppidMap() {
  const m = new Map();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(st.slice(st.lastIndexOf(")") + 2).split(" ")[1]);
      m.set(Number(d), ppid);
    } catch {
      /* process vanished */
    }
  }
  return m;
}

/**
 * All descendant pids of a process (children, grandchildren, ...).
 * @param {number} pid
 * @returns {number[]}
 */
export function descendantPids(pid) {
  const m = ppidMap();
  const out = [];
  const todo = [pid];
  while (todo.length && out.length < 10_000) {
    const p = todo.pop();
    for (const [c, pp] of m)
      if (pp === p) {
        out.push(c);
        todo.push(c);
      }
  }
  return out;
}

/**
 * The workerd process(es) under a wrangler dev pid (matched on /proc/<pid>/comm or cmdline).
 * @param {number} wranglerPid
 * @returns {number[]}
 */
export function workerdPids(wranglerPid) {
  return descendantPids(wranglerPid).filter((p) => {
    try {
      return (
        readFileSync(`/proc/${p}/comm`, "utf8").trim() === "workerd" ||
        readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0")[0].endsWith("/workerd")
      );
    } catch {
      return false;
    }
  });
}

/**
 * Resident set size of a process in KiB (VmRSS from /proc/<pid>/status); 0 if gone.
 * @param {number} pid
 * @returns {number}
 */
export function rssKb(pid) {
  try {
    const m = /VmRSS:\s+(\d+)\s*kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Summed RSS (KiB) of the workerd processes of a wrangler dev.
 * @param {number} wranglerPid
 * @returns {number}
 */
export function workerdRssKb(wranglerPid) {
  return workerdPids(wranglerPid).reduce((a, p) => a + rssKb(p), 0);
}

/**
 * Sample workerd RSS every intervalMs until stop(); gives start, peak and end, to show whether
 * memory grows with the size of a streamed body. Bounded: at most maxSamples samples are taken.
 * @param {number} wranglerPid
 * @param {{intervalMs?: number, maxSamples?: number}} [opts]
 * @returns {{stop: () => {startKb: number, peakKb: number, endKb: number, samples: number}}}
 */
export function startRssSampler(wranglerPid, opts) {
  return sampleRss(workerdPids(wranglerPid), opts); // resolved once: the /proc walk is too slow every 100 ms
}

/** Samples the summed RSS (KiB) of `pids` every `intervalMs` until stop() (peak, start and end). */
export function sampleRss(pids, { intervalMs = 100, maxSamples = 100_000 } = {}) {
  const read = () => pids.reduce((a, p) => a + rssKb(p), 0);
  const startKb = read();
  let peakKb = startKb,
    samples = 1;
  const t = setInterval(() => {
    peakKb = Math.max(peakKb, read());
    if (++samples >= maxSamples) clearInterval(t);
  }, intervalMs);
  t.unref();
  return {
    stop: () => {
      clearInterval(t);
      const endKb = read();
      return { startKb, peakKb: Math.max(peakKb, endKb), endKb, samples };
    },
  };
}
