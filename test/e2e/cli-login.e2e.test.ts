import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { type CliRun, runCli } from "./cli-run";

const base = inject("baseUrl");
const dir = mkdtempSync(join(tmpdir(), "cli-login-e2e-"));
const sessionPath = join(dir, "state", "session.json");
const login = { C8Y_BASEURL: base, C8Y_TENANT: "management", C8Y_USER: "admin" };
const withoutSecrets = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !["C8Y_PASSWORD", "C8Y_TOKEN", "C8Y_BINARIES_SESSION"].includes(name)),
);
const envOf = (extra: Record<string, string>) => ({
  ...withoutSecrets,
  ...login,
  C8Y_BINARIES_STATE: join(dir, "state", "uploads.json"),
  ...extra,
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return runCli(args, { cwd: dir, env });
}

describe("c8y-binaries login", () => {
  it("saves the token (mode 0600, no password) and later commands run on it without a password", async () => {
    const out = await cli(["login"], envOf({ C8Y_PASSWORD: "admin" }));
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    expect(out.stdout).toContain("Logged in as management/admin");
    const stat = statSync(sessionPath);
    expect(stat.mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "state")).mode & 0o077).toBe(0);
    const saved = JSON.parse(readFileSync(sessionPath, "utf8")) as { token: string; user: string };
    expect(saved.user).toBe("admin");
    expect(saved.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(readFileSync(sessionPath, "utf8")).not.toMatch(/password/i);

    const file = join(dir, "token-login.bin");
    writeFileSync(file, Buffer.from("bytes uploaded on a token"));
    const uploaded = await cli(["upload", file, "--type", "c8y_Firmware", "--no-progress"], envOf({}));
    expect(uploaded.stderr).toBe("");
    expect(uploaded.code).toBe(0);
    const id = uploaded.stdout.trim();
    expect(id).toMatch(/^\d+$/);
    const listed = await cli(["list", "--json", "--all"], envOf({}));
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as { id: string }[]).map((mo) => mo.id)).toContain(id);
    const downloaded = await cli(["download", id, "-o", join(dir, "back.bin")], envOf({}));
    expect(downloaded.code).toBe(0);
    expect(readFileSync(join(dir, "back.bin"), "utf8")).toBe("bytes uploaded on a token");

    // The token file is what authenticated: a wrong password in the environment does not matter.
    expect((await cli(["get", id], envOf({ C8Y_PASSWORD: "wrong" }))).code).toBe(0);
    // Another user does not reuse admin's saved token: it falls back to its (here wrong) password.
    const other = await cli(["get", id], envOf({ C8Y_USER: "someone-else", C8Y_PASSWORD: "wrong" }));
    expect(other.code).toBe(1);
    expect(other.stderr).toContain("HTTP 401");

    // C8Y_TOKEN works on its own (no saved file, no password).
    const token = saved.token;
    const viaEnv = await cli(["rm", id], envOf({ C8Y_TOKEN: token, C8Y_BINARIES_SESSION: join(dir, "none.json") }));
    expect(viaEnv.code).toBe(0);
    expect(viaEnv.stderr).toContain(`deleted ${id}`);

    // logout ends the session on the server and deletes the file; then the password is needed again.
    const out2 = await cli(["logout"], envOf({}));
    expect(out2.code).toBe(0);
    expect(() => statSync(sessionPath)).toThrow();
    const refused = await fetch(`${base}/inventory/binaries`, { headers: { Authorization: `Bearer ${token}` } });
    expect(refused.status).toBe(401);
    const noPassword = await cli(["list"], envOf({}));
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr).toContain("c8y-binaries login");
    expect((await cli(["list"], envOf({ C8Y_PASSWORD: "admin" }))).code).toBe(0);
    // A revoked token in C8Y_TOKEN says what to do.
    const revoked = await cli(["list"], envOf({ C8Y_TOKEN: token }));
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toContain("token has expired or was revoked");
  });

  it("a wrong password at login is a clear 401 and saves nothing", async () => {
    const elsewhere = join(dir, "other-state", "session.json");
    const out = await cli(["login"], envOf({ C8Y_PASSWORD: "not-the-password", C8Y_BINARIES_SESSION: elsewhere }));
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("HTTP 401");
    expect(() => statSync(elsewhere)).toThrow();
  });
});
