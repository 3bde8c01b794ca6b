/// <reference types="node" />
/**
 * Big uploads from the files page survive a pause, and a reload of the page: a 150 MB file goes
 * through the tus endpoint in chunks; paused, it keeps the server's offset; resumed (also after a
 * reload, with the file picked again) it continues from there, and the stored bytes are exact.
 */
import { createHash, randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { launchChromium } from "./chromium";
import { type FilesPageSetup, filesPageSetup, loginWithForm } from "./files-page-setup";
import { expectNoSecretReadableByScripts } from "./page-storage";
import { settled } from "./settled";

const base = inject("baseUrl");
const TENANT = "bigfiles";
const USER = "bob";
const PASSWORD = "bob-pass-12";
let setup: FilesPageSetup;
const SIZE = 150 * 1000 * 1000;
const dir = mkdtempSync(join(tmpdir(), "files-page-resume-"));
const path = join(dir, "firmware-150MB.bin");
const hash = createHash("md5");

let browser: Browser;
let page: Page;
let context: BrowserContext;

beforeAll(async () => {
  const fd = openSync(path, "w");
  for (let written = 0; written < SIZE; ) {
    const chunk = randomBytes(Math.min(8 * 1024 * 1024, SIZE - written));
    writeSync(fd, chunk);
    hash.update(chunk);
    written += chunk.length;
  }
  closeSync(fd);
  setup = await filesPageSetup(base, { tenant: TENANT, user: USER, password: PASSWORD, company: "Big files" });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
  await loginWithForm(page, `${base}/`, TENANT, USER, PASSWORD);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
  setup?.cleanup();
});

const row = () => page.getByTestId("upload-row").filter({ hasText: "firmware-150MB.bin" });
const percent = async () => Number.parseInt((await row().getByTestId("upload-percent").textContent()) ?? "0", 10);

/** The URL of the (one) upload tus-js-client remembers in localStorage. */
function storedUploadUrl(): Promise<string | undefined> {
  return page.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.startsWith("tus::"));
    return key ? (JSON.parse(localStorage.getItem(key) ?? "{}") as { uploadUrl?: string }).uploadUrl : undefined;
  });
}

/** The server's offset of that upload. */
async function serverOffset(): Promise<number> {
  const url = await storedUploadUrl();
  if (!url) throw new Error("no upload URL stored");
  const head = await fetch(url, { method: "HEAD", headers: { Authorization: setup.auth, "Tus-Resumable": "1.0.0" } });
  return Number(head.headers.get("Upload-Offset"));
}

it("pauses and resumes a 150 MB upload, also across a page reload, and stores it byte for byte", async () => {
  // The page logged in with the cookie flow: nothing a script can read holds the password or token,
  // and every request below (tus creation, appends, HEADs, the reload) runs on the cookie + X-XSRF-TOKEN.
  await expectNoSecretReadableByScripts(page, context, PASSWORD);
  await page.getByTestId("upload-input").setInputFiles(path);
  await expect.poll(percent, { timeout: 120_000, interval: 100 }).toBeGreaterThanOrEqual(15);
  // While it runs the row shows its speed and the time left.
  await expect.poll(() => row().textContent()).toMatch(/\d[\d.]* (KiB|MiB|GiB)\/s.*(\d+ (s|min|h)).* left/);
  await row().getByRole("button", { name: "Pause firmware-150MB.bin" }).click();
  await expect.poll(() => row().getAttribute("data-state")).toBe("paused");
  // The chunk in flight may still be committed by the server; after that, paused means paused.
  const pausedAt = await settled(serverOffset);
  expect(pausedAt).toBeGreaterThan(0);
  expect(pausedAt).toBeLessThan(SIZE);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(await serverOffset()).toBe(pausedAt);
  const shownWhilePaused = await percent();
  expect(shownWhilePaused).toBeLessThan(100);

  await row().getByRole("button", { name: "Resume firmware-150MB.bin" }).click();
  await expect.poll(() => row().textContent()).toMatch(/resumed at [1-9]/);
  await expect.poll(percent, { timeout: 120_000, interval: 100 }).toBeGreaterThanOrEqual(50);
  await row().getByRole("button", { name: "Pause firmware-150MB.bin" }).click();
  await expect.poll(() => row().getAttribute("data-state")).toBe("paused");
  const beforeReload = await settled(serverOffset);
  expect(beforeReload).toBeGreaterThan(pausedAt);

  // A reload forgets the File object; the page lists the unfinished upload and continues it
  // when the same file is picked again.
  await page.reload();
  const unfinished = page.getByRole("region", { name: "Unfinished uploads" });
  await expect.poll(() => unfinished.textContent()).toContain("firmware-150MB.bin");
  await page.screenshot({ path: join(process.env.SCREENSHOTS_DIR ?? dir, "resume-after-reload.png") });
  await page.getByTestId("upload-input").setInputFiles(path);
  await expect.poll(() => row().textContent()).toContain(`resumed at`);
  await expect.poll(() => row().getAttribute("data-state"), { timeout: 180_000, interval: 250 }).toBe("done");

  const list = (await (
    await fetch(`${base}/inventory/binaries?pageSize=10`, {
      headers: { Authorization: setup.auth, Accept: "application/json" },
    })
  ).json()) as {
    managedObjects: { id: string; name: string; length: number; _attachments: Record<string, { digest: string }> }[];
  };
  const stored = list.managedObjects.find((mo) => mo.name === "firmware-150MB.bin");
  expect(stored?.length).toBe(SIZE);
  const digest = Object.values(stored?._attachments ?? {})[0]?.digest;
  expect(digest).toBe(`md5-${hash.digest("base64")}`);
  await expectNoSecretReadableByScripts(page, context, PASSWORD);
  // The unfinished-upload entry is gone once the upload completed.
  expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("tus::")).length)).toBe(0);
}, 600_000);

it("cancels an upload in progress and removes it from the server", async () => {
  const other = join(dir, "canceled-40MB.bin");
  const fd = openSync(other, "w");
  for (let i = 0; i < 5; i++) writeSync(fd, randomBytes(8 * 1000 * 1000));
  closeSync(fd);
  await page.getByTestId("upload-input").setInputFiles(other);
  const canceled = page.getByTestId("upload-row").filter({ hasText: "canceled-40MB.bin" });
  await expect.poll(storedUploadUrl).toMatch(/\/inventory\/binaries\/uploads\//);
  const uploadUrl = await storedUploadUrl();
  await canceled.getByRole("button", { name: "Cancel canceled-40MB.bin" }).click();
  await expect.poll(() => canceled.getAttribute("data-state")).toBe("canceled");
  const head = () =>
    fetch(uploadUrl ?? "", { method: "HEAD", headers: { Authorization: setup.auth, "Tus-Resumable": "1.0.0" } });
  await expect.poll(async () => (await head()).status).toBe(404);
  await expect
    .poll(() => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("tus::")).length))
    .toBe(0);
}, 300_000);
