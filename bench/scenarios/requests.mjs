// Small requests: 1 KB objects on nginx (from disk), the raw worker (/small from R2) and the service (auth + D1 +
// R2) under wrk at several concurrencies; what authentication costs; sequential latency of the cheap and the
// heavy GETs (metadata, list pages, deep pages, totals).
import { postBinary, seqLatency } from "../lib/bench-requests.mjs";
import { download, runWrk, upload } from "../lib/measure.mjs";
import { AUTH } from "../lib/service.mjs";

/** The 1 KB object on each target, made once for wrk and latency: { id, urls: { nginx, raw, service } }. */
export async function smallObjects(run) {
  const { nginx, raw, svc } = run;
  const ns = await upload(`${nginx.baseUrl}/small`, 1024);
  if (ns.status >= 300) throw new Error(`nginx PUT /small: ${ns.status}`);
  const rs = await download(`${raw.baseUrl}/small`);
  if (rs.status !== 200 || rs.bytes !== 1024) throw new Error(`raw GET /small: ${rs.status} ${rs.bytes}`);
  const smallId = (await postBinary(run, svc.baseUrl, 1024, "filesize", "small-1kb.bin")).id;
  return {
    id: smallId,
    urls: {
      nginx: `${nginx.baseUrl}/small`,
      raw: `${raw.baseUrl}/small`,
      service: `${svc.baseUrl}/inventory/binaries/${smallId}`,
    },
  };
}

/** wrk on the 1 KB objects at each concurrency; results.wrk. */
export async function wrk(run, small) {
  const { CFG, results, log } = run;
  for (const conc of CFG.concs) {
    for (const [target, url] of Object.entries(small.urls)) {
      const w = await runWrk(url, { conc, secs: CFG.wrkSecs, auth: target === "service" ? AUTH : undefined });
      results.wrk.push({
        target,
        conc,
        rps: w.rps,
        p50ms: w.p50ms,
        p99ms: w.p99ms,
        requests: w.requests,
        non2xx: w.non2xx,
        socketErrors: w.socketErrors,
      });
      if (w.non2xx) results.errors.push(`wrk ${target} c=${conc}: ${w.non2xx} non-2xx responses`);
      log(
        `wrk ${target} c=${conc}: ${w.rps} req/s, p50 ${w.p50ms} ms, p99 ${w.p99ms} ms` +
          (w.non2xx ? `, ${w.non2xx} non-2xx` : ""),
      );
    }
  }
}

/**
 * What authentication itself costs: the same cheap endpoint with a cached login vs. with no credentials (401),
 * interleaved, median of 3, wrk c=16; results.authOverhead.
 */
export async function authOverhead(run) {
  const { CFG, results, log, svc } = run;
  const url = `${svc.baseUrl}/tenant/currentTenant`;
  const runs = { auth: [], unauth: [] };
  for (let i = 0; i < 3; i++) {
    runs.auth.push((await runWrk(url, { conc: 16, secs: Math.min(CFG.wrkSecs, 3), auth: AUTH })).rps);
    runs.unauth.push((await runWrk(url, { conc: 16, secs: Math.min(CFG.wrkSecs, 3) })).rps);
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[1];
  results.authOverhead = { authRps: med(runs.auth), unauthRps: med(runs.unauth), runs };
  log(`auth overhead: authenticated ${med(runs.auth)} req/s vs unauthenticated (401) ${med(runs.unauth)} req/s`);
}

/** Sequential latency (one keep-alive connection) of each case; results.latency. */
export async function latency(run, small) {
  const { CFG, results, log, svc } = run;
  const N = CFG.latencyN;
  const auth = { authorization: AUTH };
  const list = (q) => `${svc.baseUrl}/inventory/binaries${q}`;
  const u = small.urls;
  const cases = [
    ["nginx", "get-1kb", u.nginx, {}],
    ["raw", "get-1kb", u.raw, {}],
    ["service", "get-1kb", u.service, auth],
    ["service", "metadata", `${svc.baseUrl}/inventory/managedObjects/${small.id}`, auth],
    ["service", "list-page1", list(""), auth],
    ["service", "list-deep", list(`?pageSize=5&currentPage=${CFG.deepPage}`), auth],
    ["service", "list-total", list("?withTotalPages=true"), auth],
    ["service", "list-page1-2000", list("?pageSize=2000"), auth],
  ];
  for (const [target, what, url, headers] of cases) {
    const r = await seqLatency(url, what === "list-page1-2000" ? Math.min(N, 20) : N, headers);
    results.latency.push({ target, what, url: url.replace(/^http:\/\/[^/]+/, ""), ...r });
    log(`latency ${target} ${what}: median ${r.medianMs.toFixed(2)} ms (p90 ${r.p90Ms.toFixed(2)})`);
  }
}
