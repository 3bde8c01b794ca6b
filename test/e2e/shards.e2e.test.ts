/// <reference types="node" />
/**
 * Shards under `npm start` (issue 19): its own `scripts/start.mjs` (three D1 shards, two regions, as
 * wrangler.toml says), a tenant in `eu` and one in `us` created over HTTP, each used by the official
 * @c8y/client (upload, list, download) and tus-js-client (a resumable upload of 10 MiB: a part and a
 * tail). The eu tenant is also used through every other client: the files page in Chromium (uploads,
 * one resumable in R2 parts, list, download, link, delete), the CLI (upload, list, download, link,
 * replace, delete) and the Python SDK's request shapes (a 9 MiB firmware image, stored as an R2
 * multipart object); one resumable upload is left half done (an open R2 multipart upload and a tail
 * object). Then, with the service stopped, the local SQLite files are read: each tenant's rows are in
 * one database file only (eu's apart from the directory's), and every object, multipart part and tail
 * of a tenant has its bytes in its region's bucket only.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@c8y/client";
import { Upload } from "tus-js-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pythonSession, requestsFiles } from "../api/clients/python-requests";
import { randomBytes } from "../bytes";
import { launchChromium } from "./chromium";
import { cliEnv, runCli } from "./cli-run";
import { loginWithForm } from "./files-page-setup";
import { bytesOf, d1Files, type StoredBytes, storedBytes } from "./local-state";
import { type ServiceProcess, startService } from "./service-process";

const ROOT = join(import.meta.dirname, "../..");
const persistTo = mkdtempSync(join(tmpdir(), "c8y-shards-e2e-"));
/** Files the clients upload and download. */
const work = mkdtempSync(join(tmpdir(), "c8y-shards-e2e-files-"));
const ADMIN = `Basic ${Buffer.from("management/admin:admin").toString("base64")}`;
let service: ServiceProcess | undefined;
let baseUrl = "";

const stop = () => service?.stop() ?? Promise.resolve();

beforeAll(async () => {
  service = await startService({ root: ROOT, persistTo, readyTimeoutMs: 120_000 });
  baseUrl = service.baseUrl;
}, 180_000);

afterAll(async () => {
  await stop();
  rmSync(persistTo, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

async function createTenant(id: string, region?: string): Promise<void> {
  const res = await fetch(`${baseUrl}/tenant/tenants`, {
    method: "POST",
    headers: { Authorization: ADMIN, "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({
      id,
      company: id,
      domain: `${id}.example`,
      adminName: "owner",
      adminPass: "owner-pass-1",
      region,
    }),
  });
  expect(res.status).toBe(201);
  expect(((await res.json()) as { region?: string }).region).toBe(region ?? "us");
}

const md5 = (data: Uint8Array) => createHash("md5").update(data).digest("base64");

/** @c8y/client: upload, list, download one file; returns the binary's id. */
async function withOfficialClient(tenant: string, seed: number): Promise<string> {
  const client = await Client.authenticate({ tenant, user: "owner", password: "owner-pass-1" }, baseUrl);
  const content = Buffer.from(randomBytes(20_000, seed));
  const { data } = await client.inventoryBinary.create(content, { name: `${tenant}.bin`, type: "c8y_Firmware" });
  const { data: list } = await client.inventoryBinary.list({ pageSize: 100 });
  expect(list.map((mo) => mo.id)).toContain(data.id);
  const res = await client.inventoryBinary.download(data.id!);
  expect(md5(new Uint8Array(await res.arrayBuffer()))).toBe(md5(content));
  return String(data.id);
}

/** tus-js-client: a 10 MiB resumable upload (an R2 part and a tail object on the way). */
async function withTus(tenant: string): Promise<void> {
  const content = Buffer.from(randomBytes(10 * 1024 * 1024, 7));
  await new Promise<void>((resolve, reject) => {
    const upload = new Upload(content, {
      endpoint: `${baseUrl}/inventory/binaries/uploads`,
      chunkSize: 6 * 1024 * 1024,
      uploadSize: content.length,
      headers: { Authorization: `Basic ${Buffer.from(`${tenant}/owner:owner-pass-1`).toString("base64")}` },
      metadata: { filename: "resumable.bin", filetype: "application/octet-stream" },
      storeFingerprintForResuming: false,
      onError: reject,
      onSuccess: () => resolve(),
    });
    upload.start();
  });
}

const OWNER = { user: "owner", password: "owner-pass-1" };
const basicOf = (tenant: string) =>
  `Basic ${Buffer.from(`${tenant}/${OWNER.user}:${OWNER.password}`).toString("base64")}`;
const md5hex = (data: Uint8Array) => createHash("md5").update(data).digest("hex");

/** Writes a file to upload into the work directory; its path. */
function file(name: string, content: Uint8Array | string): string {
  const path = join(work, name);
  writeFileSync(path, content);
  return path;
}

/** The files page in Chromium as the tenant's owner: two uploads (one in R2 parts), list, download, link, delete. */
async function withFilesPage(tenant: string): Promise<void> {
  const big = randomBytes(12 * 1024 * 1024, 11); // past UPLOAD_PART_SIZE (8 MiB): tus chunks become R2 parts
  const paths = [file("page-note.txt", "from the page\n"), file("page-big.bin", big)];
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    await loginWithForm(page, `${baseUrl}/`, tenant, OWNER.user, OWNER.password);
    await page.getByTestId("upload-input").setInputFiles(paths);
    const done = page.locator('[data-testid="upload-row"][data-state="done"]');
    await expect.poll(() => done.count(), { timeout: 90_000 }).toBe(2);
    const row = (name: string) =>
      page.getByTestId("file-row").filter({ has: page.getByRole("button", { name, exact: true }) });
    await row("page-big.bin").waitFor();
    await row("page-note.txt").waitFor();

    const downloaded = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download page-big.bin" }).click();
    const copy = join(work, "page-big.downloaded");
    await (await downloaded).saveAs(copy);
    expect(md5hex(readFileSync(copy))).toBe(md5hex(big));

    await page.getByRole("button", { name: "Copy link to page-note.txt" }).click();
    const dialog = page.getByRole("dialog");
    const field = dialog.getByRole("textbox");
    await expect.poll(() => field.inputValue()).toMatch(/\/links\/binaries\/\d+\?region=eu&/);
    const linked = await fetch(await field.inputValue());
    expect(await linked.text()).toBe("from the page\n");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });

    await page.getByRole("button", { name: "Delete page-note.txt" }).click();
    await dialog.getByRole("button", { name: "Delete", exact: true }).click();
    await expect.poll(() => row("page-note.txt").count()).toBe(0);
    expect(await row("page-big.bin").count()).toBe(1);
  } finally {
    await browser.close();
  }
}

/** The CLI as the tenant's owner: upload (resumable, R2 parts), list, download, link, replace, delete. */
async function withCli(tenant: string): Promise<void> {
  const env = { ...cliEnv(baseUrl, work), C8Y_TENANT: tenant, C8Y_USER: OWNER.user, C8Y_PASSWORD: OWNER.password };
  const cli = (args: string[]) => runCli(args, { cwd: work, env });
  const bytes = randomBytes(9 * 1024 * 1024, 12);
  const uploaded = await cli(["upload", file("cli-shard.bin", bytes), "--type", "cli_Shard"]);
  expect(uploaded.code, uploaded.stderr).toBe(0);
  const id = uploaded.stdout.trim();
  expect(Number(id) % 1000).toBe(1); // made in the eu shard

  const listed = await cli(["list", "--type", "cli_Shard", "--json"]);
  expect(listed.code, listed.stderr).toBe(0);
  expect((JSON.parse(listed.stdout) as { id: string }[]).map((mo) => mo.id)).toEqual([id]);
  const out = join(work, "cli-shard.downloaded");
  const downloaded = await cli(["download", id, "-o", out]);
  expect(downloaded.code, downloaded.stderr).toBe(0);
  expect(md5hex(readFileSync(out))).toBe(md5hex(bytes));

  const link = await cli(["link", id, "--expires", "120"]);
  expect(link.code, link.stderr).toBe(0);
  expect(new URL(link.stdout.trim()).searchParams.get("region")).toBe("eu");
  expect(md5hex(new Uint8Array(await (await fetch(link.stdout.trim())).arrayBuffer()))).toBe(md5hex(bytes));

  const replaced = await cli(["replace", id, file("cli-shard-v2.txt", "replaced by the cli\n")]);
  expect(replaced.code, replaced.stderr).toBe(0);
  const read = await fetch(`${baseUrl}/inventory/binaries/${id}`, { headers: { Authorization: basicOf(tenant) } });
  expect(await read.text()).toBe("replaced by the cli\n");

  const removed = await cli(["rm", id]);
  expect(removed.code, removed.stderr).toBe(0);
  expect(
    (await fetch(`${baseUrl}/inventory/binaries/${id}`, { headers: { Authorization: basicOf(tenant) } })).status,
  ).toBe(404);
}

/**
 * The Python SDK's requests, replayed (test/api/clients/python-requests.ts): `Binary(type='c8y_Firmware').create()`
 * of a 9 MiB image (its length unknown to the server: an R2 multipart object), `Inventory.select(...)`, `read_file`,
 * and on a second binary `Binary.update()` (PUT with the type as Content-Type) and `delete()`.
 */
async function withPythonSdk(tenant: string): Promise<void> {
  const session = (extra: Record<string, string> = {}) => pythonSession(basicOf(tenant), extra);
  const create = async (name: string, content: Uint8Array) => {
    const form = requestsFiles({ name, type: "c8y_Firmware", contentType: "c8y_Firmware" }, content, "c8y_Firmware");
    const res = await fetch(`${baseUrl}/inventory/binaries`, {
      method: "POST",
      body: form.body,
      headers: session({ "Content-Type": form.contentType }),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; type: string; length: number; contentType: string };
  };
  const firmware = randomBytes(9 * 1024 * 1024, 13);
  const mo = await create("fw.bin", firmware);
  expect(mo).toMatchObject({ type: "c8y_Firmware", contentType: "c8y_Firmware", length: firmware.length });
  expect(Number(mo.id) % 1000).toBe(1);

  const query = "name eq 'fw.bin' and type eq 'c8y_Firmware' and has(c8y_IsBinary)";
  const qs = new URLSearchParams({ query, pageSize: "5" }).toString();
  const selected = await fetch(`${baseUrl}/inventory/managedObjects?${qs}&currentPage=1`, { headers: session() });
  expect(((await selected.json()) as { managedObjects: { id: string }[] }).managedObjects.map((m) => m.id)).toEqual([
    mo.id,
  ]);
  const read = await fetch(`${baseUrl}/inventory/binaries/${mo.id}`, { headers: session() });
  expect(read.status).toBe(200);
  expect(md5hex(new Uint8Array(await read.arrayBuffer()))).toBe(md5hex(firmware));

  const other = await create("fw-old.bin", new TextEncoder().encode("old"));
  const updated = await fetch(`${baseUrl}/inventory/binaries/${other.id}`, {
    method: "PUT",
    body: "v2",
    headers: session({ "Content-Type": "c8y_Firmware" }),
  });
  expect(updated.status).toBe(201);
  expect(await (await fetch(`${baseUrl}/inventory/binaries/${other.id}`, { headers: session() })).text()).toBe("v2");
  const { Accept: _, ...noAccept } = session();
  expect(
    (await fetch(`${baseUrl}/inventory/binaries/${other.id}`, { method: "DELETE", headers: noAccept })).status,
  ).toBe(204);
}

/** A resumable upload left half done: 9 MiB of 20 MiB sent, so an open R2 multipart upload (one part) and a tail. */
async function halfDoneUpload(tenant: string): Promise<void> {
  const tus = { Authorization: basicOf(tenant), "Tus-Resumable": "1.0.0" };
  const created = await fetch(`${baseUrl}/inventory/binaries/uploads`, {
    method: "POST",
    headers: { ...tus, "Upload-Length": String(20 * 1024 * 1024), "Upload-Metadata": `filename ${btoa("half.bin")}` },
  });
  expect(created.status).toBe(201);
  const sent = await fetch(new URL(created.headers.get("Location")!, baseUrl), {
    method: "PATCH",
    headers: { ...tus, "Content-Type": "application/offset+octet-stream", "Upload-Offset": "0" },
    body: randomBytes(9 * 1024 * 1024, 14),
  });
  expect(sent.status).toBe(204);
}

describe("npm start with three shards and two regions", () => {
  let euId = "";
  let usId = "";

  it("each region's tenant works through @c8y/client and tus-js-client", async () => {
    await createTenant("e2e-eu", "eu");
    await createTenant("e2e-us");
    euId = await withOfficialClient("e2e-eu", 1);
    usId = await withOfficialClient("e2e-us", 2);
    expect(Number(euId) % 1000).toBe(1); // shard 1 (DB_EU1) in wrangler.toml
    expect([0, 2]).toContain(Number(usId) % 1000);
    await withTus("e2e-eu");
    await withTus("e2e-us");
  }, 120_000);

  it("the eu tenant works through the files page in Chromium", () => withFilesPage("e2e-eu"), 180_000);

  it("the eu tenant works through the CLI", () => withCli("e2e-eu"), 120_000);

  it("the eu tenant works through the Python SDK's requests", () => withPythonSdk("e2e-eu"), 60_000);

  it("the local files hold each tenant's rows in one shard, its bytes and parts in its region's bucket", async () => {
    expect(euId).not.toBe("");
    await halfDoneUpload("e2e-eu");
    await stop();

    const files = d1Files(persistTo);
    expect(files).toHaveLength(3);
    const holding = (tenant: string) => files.filter((f) => (f.rows[tenant] ?? 0) > 0);
    const [eu] = holding("e2e-eu");
    const [us] = holding("e2e-us");
    expect(holding("e2e-eu")).toHaveLength(1);
    expect(holding("e2e-us")).toHaveLength(1);
    expect(holding("management")).toHaveLength(1);
    // At least the tenant row, its owner and two binaries (the client's and the completed upload's).
    expect(eu!.rows["e2e-eu"]).toBeGreaterThanOrEqual(4);
    expect(us!.rows["e2e-us"]).toBeGreaterThanOrEqual(4);
    // The directory lives in shard 0 (with the management tenant); the eu tenant does not.
    const directory = files.find((f) => f.directory > 0)!;
    expect(directory.rows.management).toBeGreaterThan(0);
    expect(eu!.file).not.toBe(directory.file);
    expect(eu!.rows["e2e-us"]).toBeUndefined();

    const stored = storedBytes(persistTo);
    const euBytes = bytesOf(stored, "e2e-eu", eu!.uploads["e2e-eu"] ?? []);
    const usBytes = bytesOf(stored, "e2e-us", us!.uploads["e2e-us"] ?? []);
    const kinds = (pieces: StoredBytes[]) => new Set(pieces.map((piece) => piece.kind));
    // eu: whole objects, parts of completed multipart objects (tus, the page, the Python SDK), the open
    // upload's part and its tail object.
    expect(kinds(euBytes)).toEqual(new Set(["object", "part", "open part"]));
    expect(euBytes.some((piece) => piece.key.startsWith("%resumable/"))).toBe(true);
    expect(new Set(euBytes.flatMap((piece) => piece.buckets))).toEqual(new Set(["c8y-binaries-eu"]));
    expect(euBytes.every((piece) => piece.buckets.length === 1)).toBe(true);
    expect(kinds(usBytes)).toEqual(new Set(["object", "part"]));
    expect(new Set(usBytes.flatMap((piece) => piece.buckets))).toEqual(new Set(["c8y-binaries"]));
    expect(usBytes.every((piece) => piece.buckets.length === 1)).toBe(true);
  }, 120_000);
});
