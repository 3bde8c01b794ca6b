/**
 * Progress on stderr (stdout stays clean for ids and JSON): cli-progress's bar on a terminal,
 * and a plain line every second when stderr is a pipe or file (CI logs, tests).
 */
import cliProgress from "cli-progress";
import { formatBytes, formatDuration, formatSpeed, RateMeter } from "../../client/format";

export interface Progress {
  update(done: number): void;
  stop(): void;
}

export function startProgress(label: string, total: number, start: number, enabled: boolean): Progress {
  if (!enabled) return { update() {}, stop() {} };
  const meter = new RateMeter();
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {done} of {size} | {speed} | {eta_human} left`,
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: 1000,
      hideCursor: true,
      barsize: 24,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  const fields = (done: number) => {
    const speed = meter.sample(done, Date.now());
    return {
      done: formatBytes(done),
      size: formatBytes(total),
      speed: speed > 0 ? formatSpeed(speed) : "–",
      eta_human: speed > 0 ? formatDuration((total - done) / speed) : "–",
    };
  };
  bar.start(Math.max(total, 1), start, fields(start));
  return {
    update(done) {
      bar.update(done, fields(done));
    },
    stop() {
      bar.stop();
    },
  };
}
