// curl and Expect: 100-continue: a 2 MB PUT -T to each target and the official POST shape, with curl's default
// Expect handling and with it disabled; results.curlExpect.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { curlUpload, postBinary } from "../lib/bench-requests.mjs";
import { MB } from "../lib/measure.mjs";
import { LOGIN } from "../lib/service.mjs";

export async function curlExpect(run) {
  const { CFG, results, log, svc, nginx, raw, tmp } = run;
  // curl sends `Expect: 100-continue` on bodies over 1 MB and waits up to 1 s for a 100 that
  // wrangler dev never sends. 2 MB file: PUT -T to each target, and the official POST shape.
  const file = join(tmp, "two-mb.bin");
  writeFileSync(file, Buffer.alloc(2 * MB, 7));
  const putId = (await postBinary(run, svc.baseUrl, 1024, "filesize", "curl-target.bin")).id;
  const cases = [
    ["nginx", "put", ["-T", file], `${nginx.baseUrl}/o/curl-2mb`],
    ["raw", "put", ["-T", file], `${raw.baseUrl}/o/curl-2mb`],
    [
      "service",
      "post",
      [
        "-u",
        `${LOGIN.user}:${LOGIN.password}`,
        "-F",
        `file=@${file};filename=curl-2mb.bin`,
        "--form-string",
        'object={"name":"curl-2mb.bin","type":"bench/curl"}',
      ],
      `${svc.baseUrl}/inventory/binaries`,
    ],
    [
      "service",
      "put",
      ["-u", `${LOGIN.user}:${LOGIN.password}`, "-T", file],
      `${svc.baseUrl}/inventory/binaries/${putId}`,
    ],
  ];
  for (const [target, variant, args, url] of cases) {
    for (const noExpect of [false, true]) {
      const r = curlUpload(args, url, noExpect, CFG.curlRuns);
      results.curlExpect.push({ target, variant, expect: noExpect ? "disabled" : "default", ...r });
      log(
        `curl ${target} ${variant} 2 MB, Expect ${noExpect ? "disabled" : "default"}: ` +
          `${(r.seconds * 1000).toFixed(0)} ms`,
      );
    }
  }
}
