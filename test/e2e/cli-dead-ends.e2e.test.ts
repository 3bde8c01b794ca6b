/// <reference types="node" />
/**
 * The CLI where a newcomer got stuck (issue 22, item 7): the real cause of a failure (server
 * unreachable, TLS, 401, 403, 404), the resume hint after a dropped connection, exit code 130 on
 * every Ctrl-C, --version, media types from file names, If-Match checked before any byte, the
 * expiry of a link, "1 binary", several ids as one zip, and what `npm pack` ships. Against the
 * `wrangler dev` of global-setup, and small fake servers for failures a real one cannot be asked for.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { type CliRun, cliEnv, runCli } from "./cli-run";

const ROOT = new URL("../../", import.meta.url).pathname;
const base = inject("baseUrl");
const dir = mkdtempSync(join(tmpdir(), "cli-dead-ends-"));
const env = cliEnv(base, dir);
const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers) server.closeAllConnections?.();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[], options: { env?: NodeJS.ProcessEnv; interruptAfterMs?: number } = {}): Promise<CliRun> {
  return runCli(args, { cwd: dir, env: { ...env, ...options.env }, interruptAfterMs: options.interruptAfterMs });
}

/** A local server answering with `handler`; resolves to its base URL. */
async function fakeServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  tls?: { key: string; cert: string },
): Promise<string> {
  const server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `${tls ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function file(name: string, content: Buffer | string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const errorJson = (res: ServerResponse, status: number, error: string, message: string) => {
  res.writeHead(status, { "Content-Type": "application/vnd.com.nsn.cumulocity.error+json" });
  res.end(JSON.stringify({ error, message }));
};

describe("c8y-binaries without dead ends", () => {
  it("prints its version with --version and -v", async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-v"]) {
      const run = await cli([flag]);
      expect(run.code).toBe(0);
      expect(run.stdout.trim()).toBe(version);
    }
  });

  it("says the server cannot be reached (not 'fetch failed', not 'no resumable endpoint')", async () => {
    const closed = await fakeServer(() => {});
    servers.pop()?.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const path = file("unreachable.txt", "x");
    for (const args of [["upload", path], ["download", "1"], ["list"]]) {
      const run = await cli(args, { env: { C8Y_BASEURL: closed } });
      expect(run.code, args.join(" ")).toBe(1);
      expect(run.stderr).toContain(`Cannot reach the server at ${closed}`);
      expect(run.stderr).toContain("ECONNREFUSED");
      expect(run.stderr).not.toContain("fetch failed");
      expect(run.stderr).not.toContain("no resumable upload endpoint");
    }
  });

  it("names a TLS failure as such", async () => {
    const key = join(dir, "key.pem");
    const cert = join(dir, "cert.pem");
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1"].concat([
        "-keyout",
        key,
        "-out",
        cert,
      ]),
      { stdio: "ignore" },
    );
    const url = await fakeServer((_req, res) => res.end("{}"), {
      key: readFileSync(key, "utf8"),
      cert: readFileSync(cert, "utf8"),
    });
    const run = await cli(["list"], { env: { C8Y_BASEURL: url } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`TLS failed with ${url}`);
    expect(run.stderr).toMatch(/SELF_SIGNED|CERT/);
  });

  it("names 401, 403 and 404 with what to do", async () => {
    const wrong = await cli(["get", "1"], { env: { C8Y_PASSWORD: "wrong" } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("Not logged in (HTTP 401)");
    expect(wrong.stderr).toContain("C8Y_PASSWORD");
    const missing = await cli(["get", "999999999"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("Not found (HTTP 404)");
    const url = await fakeServer((_req, res) => errorJson(res, 403, "security/Forbidden", "Access is denied"));
    const denied = await cli(["get", "1"], { env: { C8Y_BASEURL: url } });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain("Not allowed (HTTP 403): Access is denied");
  });

  it("after a dropped connection mid-upload, says so (retrying, then the cause) and how to resume", async () => {
    let patches = 0;
    const url = await fakeServer((req, res) => {
      if (req.method === "OPTIONS") {
        res.writeHead(204, { "Tus-Version": "1.0.0", "Tus-Resumable": "1.0.0" });
        return res.end();
      }
      if (req.method === "POST") {
        res.writeHead(201, { Location: `${url}/inventory/binaries/uploads/abc`, "Tus-Resumable": "1.0.0" });
        return res.end();
      }
      // The server dies: PATCH and the HEADs of the retries lose their connection.
      if (req.method === "PATCH") patches++;
      req.socket.destroy();
    });
    const run = await cli(["upload", file("dropped.bin", randomBytes(256 * 1024))], { env: { C8Y_BASEURL: url } });
    expect(patches).toBeGreaterThanOrEqual(1);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("Lost the connection to the server; retrying");
    expect(run.stderr).toContain("run the same command again to resume");
    expect(run.ms).toBeLessThan(30_000);
  }, 60_000);

  it("exits 130 on Ctrl-C before a download's first byte, and while a command waits for an answer", async () => {
    const url = await fakeServer(() => {
      // never answers
    });
    const download = await cli(["download", "1"], { env: { C8Y_BASEURL: url }, interruptAfterMs: 700 });
    expect(download.code).toBe(130);
    expect(download.stderr).toContain("Interrupted");
    const list = await cli(["list"], { env: { C8Y_BASEURL: url }, interruptAfterMs: 700 });
    expect(list.code).toBe(130);
  });

  it("stores the media type a browser would (from the name) and keeps it on replace unless told", async () => {
    const uploaded = await cli(["upload", file("notes.txt", "hello\n"), "--json"]);
    expect(uploaded.code, uploaded.stderr).toBe(0);
    const object = JSON.parse(uploaded.stdout) as { id: string; contentType: string; type: string };
    expect(object.contentType).toBe("text/plain");
    const replaced = await cli(["replace", object.id, file("blob.bin", "hello again\n"), "--json"]);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect((JSON.parse(replaced.stdout) as { contentType: string }).contentType).toBe("text/plain");
    const told = await cli(["replace", object.id, file("page.bin", "<p>"), "--content-type", "text/html", "--json"]);
    expect((JSON.parse(told.stdout) as { contentType: string }).contentType).toBe("text/html");
    const png = await cli(["upload", file("photo.PNG", randomBytes(100)), "--json"]);
    expect((JSON.parse(png.stdout) as { contentType: string }).contentType).toBe("image/png");
  });

  it("checks --if-match before sending any byte of a replace", async () => {
    const uploaded = await cli(["upload", file("guarded.txt", "v1")]);
    const id = uploaded.stdout.trim();
    const big = file("big-replacement.bin", randomBytes(48 * 1024 * 1024));
    const run = await cli(["replace", id, big, "--if-match", '"stale"']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("HTTP 412");
    expect(run.stderr).toContain('not "stale"');
    // Nothing was sent: no progress line, and the state file remembers no upload.
    expect(run.stderr).not.toContain("upload big-replacement.bin");
    const state = JSON.parse(readFileSync(env.C8Y_BINARIES_STATE, "utf8")) as Record<string, unknown>;
    expect(Object.keys(state).filter((key) => key.includes("big-replacement"))).toEqual([]);
    const etag = (await (await fetch(`${base}/inventory/binaries/${id}`, { method: "HEAD", headers: auth })).headers)
      .get("ETag")
      ?.replace(/"/g, "");
    const ok = await cli(["replace", id, file("small.txt", "v2"), "--if-match", etag ?? ""]);
    expect(ok.code, ok.stderr).toBe(0);
  }, 60_000);

  it("prints a link's expiry in local time and how far away it is; --expires takes 2h, 7d", async () => {
    const id = (await cli(["upload", file("shared.txt", "share me")])).stdout.trim();
    const run = await cli(["link", id, "--expires", "2h"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`/links/binaries/${id}?`);
    expect(run.stderr).toMatch(/^valid until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d .+ \(in 2 hours; \d{4}-\d\d-\d\dT/m);
    const week = await cli(["link", id, "--expires", "7d"]);
    expect(week.stderr).toContain("(in 7 days;");
  });

  it("counts '1 binary', not '1 binaries'", async () => {
    const name = `only-one-${Date.now()}.txt`;
    await cli(["upload", file(name, "1")]);
    const run = await cli(["list", "--text", name]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("page 1 of 1, 1 binary");
  });

  it("downloads several ids as one zip that unzip and Python's zipfile open, with non-ASCII names", async () => {
    const a = (await cli(["upload", file("a.txt", "alpha"), "--name", "Prüfbericht Ω 日本.txt"])).stdout.trim();
    const b = (await cli(["upload", file("b.bin", randomBytes(3 * 1024 * 1024))])).stdout.trim();
    const c = (await cli(["upload", file("c.txt", "gamma"), "--name", "../escape.txt"])).stdout.trim();
    const run = await cli(["download", a, b, c, "-o", "three.zip"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe("three.zip");
    const zip = join(dir, "three.zip");
    expect(execFileSync("unzip", ["-t", zip], { encoding: "utf8" })).toContain("No errors detected");
    const names = execFileSync(
      "python3",
      ["-c", "import sys, zipfile, json; print(json.dumps(zipfile.ZipFile(sys.argv[1]).namelist()))", zip],
      { encoding: "utf8" },
    );
    expect(JSON.parse(names)).toEqual(["Prüfbericht Ω 日本.txt", "b.bin", ".._escape.txt"]);
    const again = await cli(["download", a, b, "-o", "three.zip"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("--force");
  });

  it("ships the built command in `npm pack` (README: npm install -g from the repository or the tarball)", () => {
    const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    const [pack] = JSON.parse(out) as { files: { path: string }[] }[];
    const files = pack?.files.map((f) => f.path) ?? [];
    expect(files).toContain("cli/dist/c8y-binaries.mjs");
    expect(files).toContain("package.json");
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { bin: Record<string, string> };
    expect(pkg.bin["c8y-binaries"]).toBe("cli/dist/c8y-binaries.mjs");
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(readme).toContain("npm install -g");
    expect(readme).toContain("npm pack");
  }, 60_000);
});

const auth = { Authorization: `Basic ${Buffer.from("management/admin:admin").toString("base64")}` };
