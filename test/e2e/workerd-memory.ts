/// <reference types="node" />
import { readdirSync, readFileSync } from "node:fs";

/** The workerd processes below `rootPid`, from the parent links in /proc/<pid>/stat. */
function workerdPids(rootPid: number): number[] {
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      names.set(Number(entry), stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")));
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // the process is gone
    }
  }
  const below = (pid: number): boolean => {
    for (let p = parents.get(pid), hops = 0; p !== undefined && hops < 64; p = parents.get(p), hops++) {
      if (p === rootPid) return true;
    }
    return false;
  };
  return [...names].filter(([pid, name]) => name === "workerd" && below(pid)).map(([pid]) => pid);
}

function rssMiB(pids: number[]): number {
  let kib = 0;
  for (const pid of pids) {
    try {
      kib += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      // the process is gone
    }
  }
  return kib / 1024;
}

/** Samples the summed RSS of the service's workerd processes every 200 ms until `stop()`. */
export function sampleWorkerdMemory(rootPid: number): { stop(): { startMiB: number; peakMiB: number } } {
  const pids = workerdPids(rootPid);
  if (pids.length === 0) throw new Error(`no workerd process below pid ${rootPid}`);
  const startMiB = rssMiB(pids);
  let peakMiB = startMiB;
  const timer = setInterval(() => {
    peakMiB = Math.max(peakMiB, rssMiB(pids));
  }, 200);
  return {
    stop() {
      clearInterval(timer);
      peakMiB = Math.max(peakMiB, rssMiB(pids));
      return { startMiB, peakMiB };
    },
  };
}
