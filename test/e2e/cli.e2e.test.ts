import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { type CliRun, cliEnv, runCli } from "./cli-run";
import { settled } from "./settled";

const base = inject("baseUrl");
const dir = mkdtempSync(join(tmpdir(), "cli-e2e-"));
const env = cliEnv(base, dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI to completion, or sends it Ctrl-C (SIGINT) once `interruptWhen` resolves true (polled). */
function cli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; interruptWhen?: () => Promise<boolean> } = {},
): Promise<CliRun> {
  return runCli(args, { cwd: dir, env: options.env ?? env, interruptWhen: options.interruptWhen });
}

const md5 = (bytes: Buffer) => createHash("md5").update(bytes).digest("hex");
const auth = { Authorization: `Basic ${Buffer.from("management/admin:admin").toString("base64")}` };

function file(name: string, content: Buffer | string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe("c8y-binaries", () => {
  it("prints help for the program and every command", async () => {
    const top = await cli(["--help"]);
    expect(top.code).toBe(0);
    for (const command of ["upload", "download", "list", "get", "replace", "rm", "link"])
      expect(top.stdout).toContain(command);
    const upload = await cli(["upload", "--help"]);
    expect(upload.code).toBe(0);
    expect(upload.stdout).toContain("--chunk-size");
    const list = await cli(["list", "--help"]);
    expect(list.stdout).toMatch(/--type[\s\S]*--text[\s\S]*--page-size[\s\S]*--json/);
  });

  it("fails with exit code 2 and a clear message when settings or arguments are wrong", async () => {
    const noUrl = await cli(["list"], { env: { PATH: process.env.PATH } });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain("set C8Y_BASEURL or pass --url");
    const badId = await cli(["get", "abc"]);
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain("expected a numeric binary id");
    const unknown = await cli(["frobnicate"]);
    expect(unknown.code).toBe(2);
    const missing = await cli(["upload", join(dir, "does-not-exist.bin")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("Cannot read");
  });

  it("fails with exit code 1 and the API's message on a wrong password or a missing binary", async () => {
    const wrong = await cli(["list", "--password", "not-the-password"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("tenant, user or password is wrong");
    const gone = await cli(["get", "999999999"]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("Not found");
  });

  it("uploads, lists, gets, downloads, replaces and removes a binary", async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const path = file("cli-upload.bin", bytes);
    const uploaded = await cli(["upload", path, "--type", "cli_Test", "--content-type", "application/x-demo"]);
    expect(uploaded.code, uploaded.stderr).toBe(0);
    const id = uploaded.stdout.trim();
    expect(id).toMatch(/^\d+$/);

    const table = await cli(["list", "--type", "cli_Test", "--text", "cli-upload"]);
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+NAME\s+TYPE\s+SIZE\s+OWNER\s+LAST UPDATE\s+MD5$/);
    expect(table.stdout).toContain(md5(bytes));
    const json = await cli(["list", "--type", "cli_Test", "--json"]);
    const listed = JSON.parse(json.stdout) as { id: string; name: string }[];
    expect(listed.map((mo) => mo.id)).toEqual([id]);

    const got = JSON.parse((await cli(["get", id])).stdout) as {
      name: string;
      type: string;
      length: number;
      contentType: string;
    };
    expect(got).toMatchObject({
      name: "cli-upload.bin",
      type: "cli_Test",
      length: bytes.length,
      contentType: "application/x-demo",
    });

    const out = join(dir, "downloaded.bin");
    const downloaded = await cli(["download", id, "-o", out]);
    expect(downloaded.code, downloaded.stderr).toBe(0);
    expect(md5(readFileSync(out))).toBe(md5(bytes));
    const again = await cli(["download", id, "-o", out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("--force");

    const newer = Buffer.from("replaced by the cli\n");
    const replaced = await cli(["replace", id, file("newer.txt", newer), "--content-type", "text/plain"]);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(
      Buffer.from(await (await fetch(`${base}/inventory/binaries/${id}`, { headers: auth })).arrayBuffer()),
    ).toEqual(newer);
    const stale = await cli(["replace", id, path, "--if-match", '"AAAAAAAAAAAAAAAAAAAAAA=="']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain("The binary changed since the ETag given with --if-match (HTTP 412)");

    const link = await cli(["link", id, "--expires", "120"]);
    expect(link.code, link.stderr).toBe(0);
    expect(link.stderr).toMatch(/^valid until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d .*\d{4}-\d\d-\d\dT/m);
    const signed = await fetch(link.stdout.trim());
    expect(Buffer.from(await signed.arrayBuffer())).toEqual(newer);
    const tooLong = await cli(["link", id, "--expires", "9999999"]);
    expect(tooLong.code).toBe(1);

    const removed = await cli(["rm", id]);
    expect(removed.code).toBe(0);
    expect((await fetch(`${base}/inventory/binaries/${id}`, { headers: auth })).status).toBe(404);
    const removedAgain = await cli(["rm", id]);
    expect(removedAgain.code).toBe(1);
  });

  it("resumes an upload interrupted by Ctrl-C when the same command runs again", async () => {
    const bytes = randomBytes(96 * 1024 * 1024);
    const path = file("interrupted.bin", bytes);
    /** The server's offset of the upload the CLI remembered in its state file (0 until it has one). */
    const offset = async () => {
      const state = JSON.parse(readFileSync(env.C8Y_BINARIES_STATE, "utf8")) as Record<
        string,
        { uploadUrl?: string; metadata?: { filename?: string } }
      >;
      const url = Object.values(state).find((upload) => upload.metadata?.filename === "interrupted.bin")?.uploadUrl;
      if (!url) return 0;
      const head = await fetch(url, { method: "HEAD", headers: { ...auth, "Tus-Resumable": "1.0.0" } });
      return Number(head.headers.get("Upload-Offset") ?? 0);
    };
    let seen = 0;
    const first = await cli(["upload", path, "--chunk-size", "5"], {
      interruptWhen: async () => {
        if (!existsSync(env.C8Y_BINARIES_STATE)) return false;
        seen = await offset();
        return seen > 0;
      },
    });
    expect(first.code, first.stderr).toBe(130);
    expect(first.stderr).toContain("run the same command again to resume");
    // A chunk the server was already reading when Ctrl-C came may still be committed: wait until the offset settles.
    const kept = await settled(offset);
    expect(kept).toBeGreaterThanOrEqual(seen);
    expect(kept).toBeLessThan(bytes.length);

    const second = await cli(["upload", path, "--chunk-size", "5"]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain(`Resuming the earlier upload of ${path} at ${kept} of ${bytes.length} bytes`);
    const id = second.stdout.trim();
    const object = JSON.parse((await cli(["get", id])).stdout) as {
      length: number;
      _attachments: Record<string, { digest: string }>;
    };
    expect(object.length).toBe(bytes.length);
    expect(Object.values(object._attachments)[0]?.digest).toBe(
      `md5-${createHash("md5").update(bytes).digest("base64")}`,
    );
    // Done uploads are forgotten: a third run is a new upload, not a resumption.
    expect(JSON.parse(readFileSync(env.C8Y_BINARIES_STATE, "utf8"))).toEqual({});
  }, 300_000);

  it("resumes a partial download with Range and If-Range, and starts over when the binary changed", async () => {
    const bytes = randomBytes(2 * 1024 * 1024);
    const id = (await cli(["upload", file("partial.bin", bytes)])).stdout.trim();
    const head = await fetch(`${base}/inventory/binaries/${id}`, { method: "HEAD", headers: auth });
    const etag = head.headers.get("ETag") ?? "";
    // What an interrupted run leaves: the first bytes and the version they belong to.
    const out = join(dir, "resumed.bin");
    writeFileSync(`${out}.part`, bytes.subarray(0, 700_000));
    writeFileSync(`${out}.part.json`, JSON.stringify({ id, etag }));
    const resumed = await cli(["download", id, "-o", out]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain("Resuming the download of");
    expect(resumed.stderr).toContain("at 700000 of 2097152 bytes");
    expect(md5(readFileSync(out))).toBe(md5(bytes));
    expect(existsSync(`${out}.part`) || existsSync(`${out}.part.json`)).toBe(false);

    // A part of an older version: If-Range no longer matches, the server sends everything.
    const stalePart = join(dir, "stale.bin");
    writeFileSync(`${stalePart}.part`, randomBytes(500_000));
    writeFileSync(`${stalePart}.part.json`, JSON.stringify({ id, etag: '"AAAAAAAAAAAAAAAAAAAAAA=="' }));
    const restarted = await cli(["download", id, "-o", stalePart]);
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(md5(readFileSync(stalePart))).toBe(md5(bytes));
  });
});
