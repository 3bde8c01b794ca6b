// Long because: the table, the SVG chart and the docs section are rendered from one results object.
// Turn a bench/run.mjs results object into the markdown table (service next to both anchors, with
// ratios and targets), an SVG chart of throughput by file size (no dependencies), and the
// generated part of docs/benchmarks.md. Pure functions of the JSON, so `--render` can redo them.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { markdownTable } from "./measure.mjs";
import { ROOT } from "./servers.mjs";

const MiB = 1024 * 1024;
export const TARGETS = {
  upload: 0.8, // POST upload >= 80% of raw-worker PUT throughput
  download: 0.9, // download >= 90% of raw-worker GET
  rps: 0.5, // authenticated 1 KB GET >= 50% of raw-worker req/s
  list: 3, // a list page <= 3x a single metadata lookup
  memoryMiB: 64, // workerd growth during a 1 GiB upload
};

const f1 = (x) => (Number.isFinite(x) ? x.toFixed(x >= 100 ? 0 : 1) : "n/a");
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : "n/a");
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : "n/a");
const verdict = (ok) => (ok ? "**met**" : "**not met**");

const UPLOAD_SERIES = [
  ["post-client", "POST multipart, official client shape (file first, chunked, no filesize)"],
  ["post-filesize", "POST multipart, object + filesize first (Content-Length)"],
  ["put", "PUT raw body to an existing id (Content-Length)"],
];
const DOWNLOAD_SERIES = [
  ["get-posted", "GET, object stored by the chunked POST"],
  ["get-put", "GET, object stored by PUT"],
];

/**
 * @param {object} results the object bench/run.mjs writes to bench/results/run-<mode>.json
 * @returns {{rows: object[], table: string, targets: object[], markdown: string, svg: string, docs: string}}
 */
export function buildReport(results) {
  const tr = (op, series, mb) => results.transfer.find((x) => x.op === op && x.series === series && x.sizeMB === mb);
  const sizes = [...new Set(results.transfer.map((x) => x.sizeMB))].sort((a, b) => a - b);
  const rows = [];
  const targets = [];
  const runsOf = (mb) => results.config.runs[mb];

  for (const mb of sizes) {
    const rawUp = tr("upload", "raw", mb)?.mbps,
      ngUp = tr("upload", "nginx", mb)?.mbps;
    for (const [key, label] of UPLOAD_SERIES) {
      const v = tr("upload", key, mb)?.mbps;
      const isPost = key.startsWith("post");
      const ok = v / rawUp >= TARGETS.upload;
      rows.push({
        measure: `upload ${mb} MB: ${label}, MB/s (median of ${runsOf(mb)})`,
        service: f1(v),
        "raw-worker": `${f1(rawUp)} (PUT)`,
        nginx: `${f1(ngUp)} (PUT)`,
        "÷ raw-worker": ratio(v, rawUp),
        "÷ nginx": ratio(v, ngUp),
        target: isPost ? "≥ 0.80× raw PUT" : "(≥ 0.80× raw PUT)",
        met: isPost ? verdict(ok) : `(${ok ? "met" : "not met"})`,
      });
      if (isPost)
        targets.push({
          target: "POST upload ≥ 80% of raw-worker PUT",
          case: `${mb} MB, ${key}`,
          value: v / rawUp,
          ok,
        });
    }
    const rawDown = tr("download", "raw", mb)?.mbps,
      ngDown = tr("download", "nginx", mb)?.mbps;
    for (const [key, label] of DOWNLOAD_SERIES) {
      const v = tr("download", key, mb)?.mbps;
      const ok = v / rawDown >= TARGETS.download;
      rows.push({
        measure: `download ${mb} MB: ${label}, MB/s (median of ${results.config.downloadRuns?.[mb] ?? runsOf(mb)})`,
        service: f1(v),
        "raw-worker": f1(rawDown),
        nginx: f1(ngDown),
        "÷ raw-worker": ratio(v, rawDown),
        "÷ nginx": ratio(v, ngDown),
        target: "≥ 0.90× raw GET",
        met: verdict(ok),
      });
      targets.push({ target: "download ≥ 90% of raw-worker GET", case: `${mb} MB, ${key}`, value: v / rawDown, ok });
    }
  }

  const concs = [...new Set(results.wrk.map((x) => x.conc))].sort((a, b) => a - b);
  const wk = (t, c) => results.wrk.find((x) => x.target === t && x.conc === c) ?? {};
  for (const c of concs) {
    const s = wk("service", c),
      r = wk("raw", c),
      n = wk("nginx", c);
    const ok = s.rps / r.rps >= TARGETS.rps;
    rows.push({
      measure: `GET 1 KB, wrk c=${c} (${results.config.wrkSecs} s): req/s (service with Basic auth)`,
      service: f1(s.rps),
      "raw-worker": f1(r.rps),
      nginx: f1(n.rps),
      "÷ raw-worker": ratio(s.rps, r.rps),
      "÷ nginx": ratio(s.rps, n.rps),
      target: "≥ 0.50× raw req/s",
      met: verdict(ok),
    });
    rows.push({
      measure: `GET 1 KB, wrk c=${c}: p50 / p99 ms (ratios: p50)`,
      service: `${f2(s.p50ms)} / ${f2(s.p99ms)}`,
      "raw-worker": `${f2(r.p50ms)} / ${f2(r.p99ms)}`,
      nginx: `${f2(n.p50ms)} / ${f2(n.p99ms)}`,
      "÷ raw-worker": ratio(s.p50ms, r.p50ms),
      "÷ nginx": ratio(s.p50ms, n.p50ms),
      target: "",
      met: "",
    });
    targets.push({
      target: "authenticated 1 KB GET ≥ 50% of raw-worker req/s",
      case: `c=${c}`,
      value: s.rps / r.rps,
      ok,
    });
  }

  if (results.authOverhead) {
    const { authRps, unauthRps } = results.authOverhead;
    rows.push({
      measure:
        "GET /tenant/currentTenant, wrk c=16, median of 3: req/s with a cached Basic login vs none (401): the " +
        "cost of authentication",
      service: `${f1(authRps)} / ${f1(unauthRps)}`,
      "raw-worker": "",
      nginx: "",
      "÷ raw-worker": `auth ÷ unauth ${(authRps / unauthRps).toFixed(2)}×`,
      "÷ nginx": "",
      target: "",
      met: "",
    });
  }

  const lat = (t, w) => results.latency.find((x) => x.target === t && x.what === w);
  if (results.latency.length) {
    const rawL = lat("raw", "get-1kb")?.medianMs,
      ngL = lat("nginx", "get-1kb")?.medianMs;
    const meta = lat("service", "metadata")?.medianMs;
    const rowsN = results.seed?.rows ?? 0;
    const latRow = (what, label, tgt) => {
      const x = lat("service", what);
      if (!x) return;
      const row = {
        measure: `${label}: median ms of ${x.n} sequential (keep-alive)`,
        service: f2(x.medianMs),
        "raw-worker": `${f2(rawL)} (1 KB GET)`,
        nginx: `${f2(ngL)} (1 KB GET)`,
        "÷ raw-worker": ratio(x.medianMs, rawL),
        "÷ nginx": ratio(x.medianMs, ngL),
        target: "",
        met: "",
      };
      if (tgt) {
        const ok = x.medianMs / meta <= TARGETS.list;
        row.target = `≤ 3× lookup (is ${(x.medianMs / meta).toFixed(2)}×)`;
        row.met = verdict(ok);
        targets.push({
          target: `list page ≤ 3× a metadata lookup (${rowsN.toLocaleString("en")} rows)`,
          case: what,
          value: x.medianMs / meta,
          ok,
        });
      }
      rows.push(row);
    };
    latRow("get-1kb", "GET 1 KB binary (auth + D1 + R2), one at a time");
    latRow("metadata", "metadata lookup GET /inventory/managedObjects/{id} (the 3× reference)");
    latRow("list-page1", `list page 1 (pageSize 5), ${rowsN.toLocaleString("en")} rows`, true);
    latRow(
      "list-deep",
      `list currentPage=${results.config.deepPage} (pageSize 5), ${rowsN.toLocaleString("en")} rows`,
      true,
    );
    latRow("list-total", `list page 1 withTotalPages=true, ${rowsN.toLocaleString("en")} rows`, true);
    latRow("list-page1-2000", `list page 1 pageSize=2000 (informative)`);
  }

  const cu = (t, v, e) => results.curlExpect.find((x) => x.target === t && x.variant === v && x.expect === e);
  if (results.curlExpect.length) {
    for (const [e, label] of [
      ["default", "curl default (sends Expect: 100-continue)"],
      ["disabled", "with -H 'Expect:'"],
    ]) {
      for (const [v, what] of [
        ["post", "service POST -F (official shape) / anchors PUT -T"],
        ["put", "PUT -T"],
      ]) {
        const s = cu("service", v, e)?.seconds * 1000,
          r = cu("raw", "put", e)?.seconds * 1000,
          n = cu("nginx", "put", e)?.seconds * 1000;
        rows.push({
          measure: `curl 2 MB upload, ${what}, ${label}: ms (median of ${results.config.curlRuns})`,
          service: f1(s),
          "raw-worker": f1(r),
          nginx: f1(n),
          "÷ raw-worker": ratio(s, r),
          "÷ nginx": ratio(s, n),
          target: "",
          met: "",
        });
      }
    }
  }

  const mem = (t, v) => results.memory.find((x) => x.target === t && x.variant === v);
  if (results.memory.length) {
    const rawM = mem("raw", "put"),
      ngM = mem("nginx", "put");
    const gib = results.memory[0].bytes >= 1024 * MiB;
    const sizeLabel = `${(results.memory[0].bytes / MiB).toFixed(0)} MiB`;
    const mratio = (a, b) => (b >= 1 ? ratio(a, b) : "n/a (≈0)");
    for (const [v, label] of [
      ["post-client", "POST client shape (chunked)"],
      ["post-filesize", "POST filesize first"],
      ["put", "PUT raw"],
    ]) {
      const s = mem("service", v);
      if (!s) continue;
      const ok = s.growthMiB < TARGETS.memoryMiB;
      rows.push({
        measure:
          `memory growth during one ${sizeLabel} upload, ${label}: MiB (workerd VmRSS peak − before; nginx: ` +
          `master + worker)`,
        service: f1(s.growthMiB),
        "raw-worker": `${f1(rawM?.growthMiB)} (PUT)`,
        nginx: `${f1(ngM?.growthMiB)} (PUT)`,
        "÷ raw-worker": mratio(s.growthMiB, rawM?.growthMiB),
        "÷ nginx": mratio(s.growthMiB, ngM?.growthMiB),
        target: gib ? "< 64 MiB for 1 GiB" : `< 64 MiB (target is for 1 GiB; this run: ${sizeLabel})`,
        met: v.startsWith("post")
          ? gib
            ? verdict(ok)
            : `${verdict(ok)} (at ${sizeLabel})`
          : `(${ok ? "met" : "not met"})`,
      });
      if (v.startsWith("post"))
        targets.push({
          target: `memory growth < 64 MiB for a 1 GiB upload${gib ? "" : ` (measured at ${sizeLabel})`}`,
          case: v,
          value: s.growthMiB,
          ok,
        });
    }
  }

  const columns = ["measure", "service", "raw-worker", "nginx", "÷ raw-worker", "÷ nginx", "target", "met"];
  const table = markdownTable(columns, rows);
  // One line per target: met only if every case is.
  const byTarget = new Map();
  for (const t of targets) {
    if (!byTarget.has(t.target)) byTarget.set(t.target, []);
    byTarget.get(t.target).push(t);
  }
  const summary = [...byTarget]
    .map(([name, cases]) => {
      const all = cases.every((c) => c.ok);
      const missed = cases.filter((c) => !c.ok).map((c) => `${c.case} (${c.value.toFixed(2)})`);
      const verdict = all ? "**met**" : `**not met** for ${missed.join(", ")}`;
      return `- ${name}: ${verdict}; ${cases.filter((c) => c.ok).length}/${cases.length} cases met.`;
    })
    .join("\n");

  const m = results.machine,
    v = results.versions;
  const machine =
    `${m.nproc} CPUs (${m.cpuModel}), ${(m.memTotalMiB / 1024).toFixed(1)} GiB RAM, ${m.kernel}; Node ${v.node}, ` +
    `wrangler ${v.wrangler}, ${v.nginx.replace("nginx version: ", "")}, ${v.wrk.split(" Copyright")[0]}, ` +
    `${v.curl.split(" (")[0]}`;
  const header =
    `## Benchmark results (${results.mode} mode, ${results.date.slice(0, 19).replace("T", " ")} UTC, commit ` +
    `${v.commit}${v.dirty ? ` + uncommitted src changes, src tree hash ${v.srcHash}` : ""}, ` +
    `${Math.round(results.seconds ?? 0)} s)`;
  const seeded = results.seed
    ? ` seeded with ${results.seed.rows.toLocaleString("en")} binaries rows (listing only) in ` +
      `${results.seed.seconds.toFixed(1)} s`
    : "";
  const notes = [
    `Machine: ${machine}.`,
    `Service: \`wrangler dev\` on src/ with a fresh local D1/R2 state${seeded}; raw-worker: bench/raw-worker ` +
      "under `wrangler dev`; nginx: WebDAV PUT, 1 worker. All on 127.0.0.1, all three running during the whole run.",
    ...(m.loadavgStart
      ? [
          `Load average (1/5/15 min) at start ${m.loadavgStart.join(" / ")}, at end ` +
            `${m.loadavgEnd?.join(" / ")}: on ${m.nproc} CPUs anything else running (tests, builds) shifts these ` +
            `figures; compare ratios from the same run only.`,
        ]
      : []),
    "Ratios are service ÷ anchor: above 1 is better for throughput and req/s, below 1 is better for latency " +
      "and memory.",
    ...(results.errors?.length ? [`Errors seen: ${results.errors.join("; ")}`] : []),
  ].join("\n");
  const markdown = `${header}\n\n${notes}\n\n${table}\n\nTargets:\n${summary}\n`;
  return { rows, table, targets, summary, markdown, svg: renderSvg(results), machine };
}

const COLORS = {
  nginx: "#7f7f7f",
  raw: "#1f77b4",
  "post-client": "#d62728",
  "post-filesize": "#ff7f0e",
  put: "#2ca02c",
  "get-posted": "#d62728",
  "get-put": "#2ca02c",
};
const LABELS = {
  nginx: "nginx",
  raw: "raw worker",
  "post-client": "service POST (client shape, chunked)",
  "post-filesize": "service POST (filesize first)",
  put: "service PUT",
  "get-posted": "service GET (POSTed object)",
  "get-put": "service GET (PUT object)",
};
const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Grouped bar chart, log-scale MB/s, one panel per direction, groups = file sizes. */
export function renderSvg(results) {
  const sizes = [...new Set(results.transfer.map((x) => x.sizeMB))].sort((a, b) => a - b);
  const panels = [
    ["Upload (MB/s)", "upload", ["nginx", "raw", "post-client", "post-filesize", "put"]],
    ["Download (MB/s)", "download", ["nginx", "raw", "get-posted", "get-put"]],
  ];
  const W = 980,
    H = 430,
    top = 50,
    bottom = 340,
    left = 60,
    panelW = 440,
    gap = 20;
  const vals = results.transfer.map((x) => x.mbps).filter((x) => x > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...vals, 1))),
    hi = 10 ** Math.ceil(Math.log10(Math.max(...vals, 10)));
  const y = (v) =>
    bottom - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (bottom - top);
  const out = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ` +
      `font-family="sans-serif" font-size="11">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">Throughput by file size ` +
      `(${esc(results.mode)} run, ${esc(results.date.slice(0, 10))}, ${results.machine.nproc} CPUs; log scale, ` +
      `median)</text>`,
  );
  panels.forEach(([title, op, series], pi) => {
    const x0 = left + pi * (panelW + gap + left / 2);
    out.push(`<text x="${x0 + panelW / 2}" y="${top - 12}" text-anchor="middle" font-size="13">${esc(title)}</text>`);
    for (let d = lo; d <= hi; d *= 10) {
      out.push(`<line x1="${x0}" x2="${x0 + panelW}" y1="${y(d).toFixed(1)}" y2="${y(d).toFixed(1)}" stroke="#ddd"/>`);
      out.push(`<text x="${x0 - 4}" y="${(y(d) + 4).toFixed(1)}" text-anchor="end">${d}</text>`);
    }
    out.push(
      `<line x1="${x0}" x2="${x0}" y1="${top}" y2="${bottom}" stroke="#333"/><line x1="${x0}" ` +
        `x2="${x0 + panelW}" y1="${bottom}" y2="${bottom}" stroke="#333"/>`,
    );
    const groupW = panelW / sizes.length,
      barW = Math.min(28, (groupW - 16) / series.length);
    sizes.forEach((mb, gi) => {
      const gx = x0 + gi * groupW + (groupW - barW * series.length) / 2;
      series.forEach((s, si) => {
        const v = results.transfer.find((x) => x.op === op && x.series === s && x.sizeMB === mb)?.mbps;
        if (!v) return;
        const bx = gx + si * barW,
          by = y(v);
        out.push(
          `<rect x="${bx.toFixed(1)}" y="${by.toFixed(1)}" width="${(barW - 2).toFixed(1)}" ` +
            `height="${(bottom - by).toFixed(1)}" fill="${COLORS[s]}"><title>${esc(LABELS[s])}, ${mb} MB: ` +
            `${v.toFixed(1)} MB/s</title></rect>`,
        );
        out.push(
          `<text x="${(bx + barW / 2 - 1).toFixed(1)}" y="${(by - 3).toFixed(1)}" text-anchor="middle" ` +
            `font-size="9">${v >= 100 ? v.toFixed(0) : v.toFixed(1)}</text>`,
        );
      });
      out.push(
        `<text x="${(x0 + gi * groupW + groupW / 2).toFixed(1)}" y="${bottom + 16}" text-anchor="middle">${mb} ` +
          `MB</text>`,
      );
    });
  });
  const legend = ["nginx", "raw", "post-client", "post-filesize", "put"];
  const legendLabels = {
    ...LABELS,
    "post-client": "service POST client shape (download: its object)",
    put: "service PUT (download: its object)",
  };
  legend.forEach((s, i) => {
    const lx = left + (i % 3) * 300,
      ly = bottom + 40 + Math.floor(i / 3) * 18;
    out.push(
      `<rect x="${lx}" y="${ly - 9}" width="12" height="12" fill="${COLORS[s]}"/><text x="${lx + 18}" ` +
        `y="${ly + 1}">${esc(legendLabels[s])}</text>`,
    );
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

const BEGIN =
  "<!-- bench:begin: generated by `npm run bench` (bench/run.mjs) from its JSON; edits inside are overwritten -->";
const END = "<!-- bench:end -->";

/**
 * Write bench/results/run-<mode>.json (+ latest.json), docs/benchmarks-throughput.svg and the
 * generated section of docs/benchmarks.md (the hand-written text outside the markers is kept).
 * @returns {string[]} the files written
 */
export function writeOutputs(results, report, { docs = true, json = true } = {}) {
  const files = [];
  if (json) {
    mkdirSync(join(ROOT, "bench/results"), { recursive: true });
    const data = `${JSON.stringify({ ...results, table: report.table, targets: report.targets }, null, 2)}\n`;
    for (const f of [`bench/results/run-${results.mode}.json`, "bench/results/latest.json"]) {
      writeFileSync(join(ROOT, f), data);
      files.push(f);
    }
  }
  if (docs) {
    mkdirSync(join(ROOT, "docs"), { recursive: true });
    writeFileSync(join(ROOT, "docs/benchmarks-throughput.svg"), report.svg);
    files.push("docs/benchmarks-throughput.svg");
    const section = `${BEGIN}\n${report.markdown}\n![Throughput by file size](benchmarks-throughput.svg)\n${END}`;
    const path = join(ROOT, "docs/benchmarks.md");
    let text = existsSync(path)
      ? readFileSync(path, "utf8")
      : `# Benchmarks\n\nRun: \`npm run bench\` (full) or \`npm run bench -- --quick\`.\n\n${BEGIN}\n${END}\n`;
    const a = text.indexOf(BEGIN),
      b = text.indexOf(END);
    text =
      a >= 0 && b > a ? text.slice(0, a) + section + text.slice(b + END.length) : `${text.trimEnd()}\n\n${section}\n`;
    writeFileSync(path, text);
    files.push("docs/benchmarks.md");
  }
  return files;
}
