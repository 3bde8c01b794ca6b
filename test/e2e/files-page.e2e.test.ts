/// <reference types="node" />
/**
 * The files page in a real browser: Debian's Chromium driven by playwright-core against the
 * `wrangler dev` that global-setup starts, i.e. the page exactly as the worker serves it at `/`.
 * A tenant of its own keeps other e2e files' binaries out of the table.
 *
 * Screenshots of the main states go to $SCREENSHOTS_DIR when set (`npm run screenshots` writes
 * docs/screenshots/), otherwise to a temporary directory.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { crc32, deflateSync } from "node:zlib";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium } from "./chromium";
import { type FilesPageSetup, filesPageSetup } from "./files-page-setup";
import { expectNoSecretReadableByScripts } from "./page-storage";

const base = inject("baseUrl");
const TENANT = "filesui";
const USER = "alice";
const PASSWORD = "alice-pass-1";
let setup: FilesPageSetup;

let browser: Browser;
let context: BrowserContext;
let page: Page;
const cspViolations: string[] = [];

/** A w×h RGB PNG with a gradient, so the image preview shows something (zlib does the hard part). */
function png(w: number, h: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) rows.set([(x * 255) / w, (y * 255) / h, 160], y * (w * 3 + 1) + 1 + x * 3);
  }
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const file = (name: string, content: string | Buffer) => setup.file(name, content);
const md5 = (bytes: Buffer) => createHash("md5").update(bytes).digest("hex");
const api = (path: string, init?: RequestInit) => setup.api(path, init);
const idOf = (name: string) => setup.idOf(name);

const row = (name: string) =>
  page.getByTestId("file-row").filter({ has: page.getByRole("button", { name, exact: true }) });
const shot = (name: string) => page.screenshot({ path: join(setup.shots, `${name}.png`) });

beforeAll(async () => {
  setup = await filesPageSetup(base, { tenant: TENANT, user: USER, password: PASSWORD, company: "Files UI" });
  browser = await launchChromium();
  context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
  // Chromium reports every Content-Security-Policy violation on the console; none may happen.
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to (load|execute|apply|connect|frame)/i.test(message.text()))
      cspViolations.push(message.text());
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  setup?.cleanup();
});

describe("files page", () => {
  it("serves the page at / without credentials while the API still needs them", async () => {
    const pageResponse = await fetch(`${base}/`);
    expect(pageResponse.status).toBe(200);
    expect(pageResponse.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(await pageResponse.text()).toContain('<div id="app">');
    expect((await fetch(`${base}/inventory/binaries`)).status).toBe(401);
  });

  it("refuses a wrong password with a readable message, then logs in by keyboard", async () => {
    await page.goto(`${base}/`);
    await page.getByLabel("Tenant").fill(TENANT);
    await page.getByLabel("User", { exact: true }).fill(USER);
    await page.getByLabel("Password").fill("wrong-password");
    await page.getByLabel("Password").press("Enter");
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("tenant, user or password is wrong");

    await page.getByLabel("Password").fill(PASSWORD);
    await shot("login");
    await page.getByLabel("Password").press("Enter");
    await page.getByRole("heading", { name: "Files", level: 1 }).waitFor();
    expect(await page.locator("header .who").textContent()).toBe(`${USER} @ ${TENANT}`);
    // The login is an HttpOnly cookie: no storage or cookie a script can read holds the password or the token.
    await expectNoSecretReadableByScripts(page, context, PASSWORD);
  });

  it("uploads three files through the file input and lists them with type, size, owner and MD5", async () => {
    const files = [
      file("notes.txt", "hello, world\nsecond line\n"),
      file("readings.csv", "time,value\n1,20.5\n2,21.0\n"),
      file("gradient.png", png(96, 64)),
    ];
    await page.getByTestId("upload-input").setInputFiles(files);
    await expect
      .poll(() => page.locator('[data-testid="upload-row"][data-state="done"]').count(), { timeout: 30_000 })
      .toBe(3);
    await expect.poll(() => page.getByTestId("file-row").count()).toBe(3);

    const csv = row("readings.csv");
    expect(await csv.textContent()).toContain("text/csv");
    expect(await csv.textContent()).toContain(USER);
    expect(await csv.locator("td.md5 code").getAttribute("title")).toBe(md5(readFileSync(files[1] as string)));
    await shot("files");
  });

  it("searches by name and filters by type", async () => {
    await page.getByLabel("Search").fill("readings");
    await expect.poll(() => page.getByTestId("file-row").count()).toBe(1);
    expect(await page.getByTestId("file-row").first().textContent()).toContain("readings.csv");
    await page.getByLabel("Search").fill("");
    await expect.poll(() => page.getByTestId("file-row").count()).toBe(3);

    await page.getByLabel("Type", { exact: true }).fill("image/png");
    await page.getByLabel("Type", { exact: true }).press("Enter");
    await expect.poll(() => page.getByTestId("file-row").count()).toBe(1);
    expect(await page.getByTestId("file-row").first().textContent()).toContain("gradient.png");
    await page.getByLabel("Type", { exact: true }).fill("");
    await page.getByLabel("Type", { exact: true }).press("Enter");
    await expect.poll(() => page.getByTestId("file-row").count()).toBe(3);
  });

  it("previews text, CSV and images", async () => {
    await page.getByRole("button", { name: "notes.txt", exact: true }).click();
    const dialog = page.getByRole("dialog");
    await expect.poll(() => dialog.getByTestId("text-preview").textContent()).toBe("hello, world\nsecond line\n");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });

    await page.getByRole("button", { name: "readings.csv", exact: true }).click();
    await expect.poll(() => dialog.getByRole("cell", { name: "21.0" }).count()).toBe(1);
    expect(await dialog.getByRole("columnheader", { name: "value" }).count()).toBe(1);
    await page.keyboard.press("Escape");

    await page.getByRole("button", { name: "gradient.png", exact: true }).click();
    const image = dialog.getByRole("img", { name: "Preview of gradient.png" });
    await expect
      .poll(() => image.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth))
      .toBe(96);
    await shot("preview");
    await dialog.getByRole("button", { name: "Close" }).first().click();
    await dialog.waitFor({ state: "detached" });
  });

  it("downloads a file byte for byte", async () => {
    const downloaded = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download gradient.png" }).click();
    const download = await downloaded;
    expect(download.suggestedFilename()).toBe("gradient.png");
    const path = join(setup.dir, "downloaded.png");
    await download.saveAs(path);
    expect(md5(readFileSync(path))).toBe(md5(png(96, 64)));
  });

  it("copies a signed link that downloads the file without a login", async () => {
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
    await page.getByRole("button", { name: "Copy link to gradient.png" }).click();
    const dialog = page.getByRole("dialog");
    const field = dialog.getByRole("textbox");
    await expect.poll(() => field.inputValue()).toMatch(/\/links\/binaries\/\d+\?/);
    await expect
      .poll(() => dialog.getByTestId("link-expiry").textContent())
      .toMatch(/^Anyone with this link can download the file until .+ \(in 60 minutes, your local time\)\.$/);
    expect(await dialog.getByRole("img", { name: "QR code of the link" }).count()).toBe(1);
    await page.bringToFront(); // the clipboard answers only a focused document
    await dialog.getByRole("button", { name: "Copy", exact: true }).click();
    await expect.poll(() => dialog.getByRole("status").textContent()).toBe("Copied to the clipboard.");
    // The page runs in the browser; the test file is typed for Node, so name the clipboard loosely.
    const copied = await page.evaluate(() =>
      (navigator as unknown as { clipboard: { readText(): Promise<string> } }).clipboard.readText(),
    );
    expect(copied).toBe(await field.inputValue());
    const response = await fetch(copied);
    expect(response.status).toBe(200);
    expect(md5(Buffer.from(await response.arrayBuffer()))).toBe(md5(png(96, 64)));
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
  });

  it("replaces a file's bytes, and shows a clear message when it changed meanwhile (412)", async () => {
    const id = await idOf("notes.txt");
    const chooser = page.waitForEvent("filechooser");
    await page.getByRole("button", { name: "Replace notes.txt" }).click();
    await (await chooser).setFiles(file("notes-v2.txt", "hello again\n"));
    await expect
      .poll(async () => (await api(`/inventory/binaries/${id}`)).text(), { timeout: 20_000 })
      .toBe("hello again\n");
    await expect
      .poll(() => row("notes.txt").locator("td.md5 code").getAttribute("title"))
      .toBe(md5(Buffer.from("hello again\n")));

    // Somebody else replaces it behind the page's back; the page still holds the old ETag.
    const other = await api(`/inventory/binaries/${id}`, {
      method: "PUT",
      body: "changed elsewhere\n",
      headers: { "Content-Type": "text/plain" },
    });
    expect(other.status).toBe(201);
    const again = page.waitForEvent("filechooser");
    await page.getByRole("button", { name: "Replace notes.txt" }).click();
    await (await again).setFiles(file("notes-v3.txt", "my stale edit\n"));
    const failed = page.locator('[data-testid="upload-row"][data-state="failed"]');
    await expect
      .poll(() => failed.textContent(), { timeout: 20_000 })
      .toContain("Somebody changed this file meanwhile, so it was not replaced");
    // Checked before the upload started: not a byte was sent (no 100 % then "Failed").
    expect(await failed.getByTestId("upload-percent").textContent()).toBe("0 %");
    expect(await (await api(`/inventory/binaries/${id}`)).text()).toBe("changed elsewhere\n");
    // The list refreshes by itself and shows the bytes the server has now.
    await expect
      .poll(() => row("notes.txt").locator("td.md5 code").getAttribute("title"))
      .toBe(md5(Buffer.from("changed elsewhere\n")));
    await shot("replace-conflict");
    await page.getByRole("button", { name: "Clear finished uploads" }).click();
  });

  it("renames a file and changes its type", async () => {
    await page.getByRole("button", { name: "Edit readings.csv" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Name").fill("readings-2026.csv");
    await dialog.getByLabel("Type").fill("c8y_Readings");
    await dialog.getByRole("button", { name: "Save" }).click();
    await row("readings-2026.csv").waitFor();
    expect(await row("readings-2026.csv").textContent()).toContain("c8y_Readings");
  });

  it("sorts by a column on the server", async () => {
    const names = () => page.locator('[data-testid="file-row"] td.name').allTextContents();
    await page.getByRole("button", { name: "Name", exact: true }).click();
    await expect.poll(names).toEqual(["gradient.png", "notes.txt", "readings-2026.csv"]);
    expect(await page.getByRole("columnheader", { name: /Name/ }).getAttribute("aria-sort")).toBe("ascending");
    await page.getByRole("button", { name: "Name", exact: true }).click();
    await expect.poll(names).toEqual(["readings-2026.csv", "notes.txt", "gradient.png"]);
    expect(await page.getByRole("columnheader", { name: /Name/ }).getAttribute("aria-sort")).toBe("descending");
    await page.getByRole("button", { name: "Size", exact: true }).click();
    await expect.poll(names).toEqual(["notes.txt", "readings-2026.csv", "gradient.png"]);
  });

  it("deletes one file after confirmation and several at once", async () => {
    // By keyboard: Enter opens the confirmation, Escape closes it without deleting.
    await page.getByRole("button", { name: "Delete notes.txt" }).focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    await page.getByRole("button", { name: "Delete notes.txt" }).click();
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect(await row("notes.txt").count()).toBe(1);

    await page.getByRole("button", { name: "Delete notes.txt" }).click();
    await dialog.getByRole("button", { name: "Delete", exact: true }).click();
    await expect.poll(() => page.getByTestId("file-row").count()).toBe(2);

    await page.getByRole("checkbox", { name: "Select all files on this page" }).check();
    await page.getByRole("button", { name: "Delete selected (2)" }).click();
    await shot("bulk-delete");
    await dialog.getByRole("button", { name: "Delete", exact: true }).click();
    await expect.poll(() => page.getByTestId("file-row").count()).toBe(0);
    const list = (await (await api("/inventory/binaries?withTotalElements=true")).json()) as {
      statistics: { totalElements: number };
    };
    expect(list.statistics.totalElements).toBe(0);
  });

  it("returns to the login when the API answers 401, and Log out ends the session on the server", async () => {
    // The session ends elsewhere (say, a logout in another tab): the page's next call is a 401.
    const ended = await expectNoSecretReadableByScripts(page, context, PASSWORD);
    const out = await fetch(`${base}/user/logout`, { method: "POST", headers: { Authorization: `Bearer ${ended}` } });
    expect(out.status).toBe(200);
    await page.reload();
    await expect.poll(() => page.getByRole("status").first().textContent()).toContain("Please log in again");
    expect(await page.evaluate(() => sessionStorage.getItem("c8y-binaries.session"))).toBeNull();

    await page.getByLabel("Tenant").fill(TENANT);
    await page.getByLabel("User", { exact: true }).fill(USER);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("button", { name: "Log out" }).waitFor();
    const token = await expectNoSecretReadableByScripts(page, context, PASSWORD);
    expect((await fetch(`${base}/inventory/binaries`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(
      200,
    );
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByRole("button", { name: "Log in" }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem("c8y-binaries.session"))).toBeNull();
    // The server ended the session (not just the page forgetting it), and the cookies are gone.
    expect((await fetch(`${base}/inventory/binaries`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(
      401,
    );
    expect((await context.cookies()).map((cookie) => cookie.name)).not.toContain("authorization");
  });

  it("is served with a CSP and frame protection, and everything above ran under them (issue 21)", async () => {
    const served = await fetch(`${base}/`);
    const csp = served.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(served.headers.get("X-Frame-Options")).toBe("DENY");
    expect(served.headers.get("X-Content-Type-Options")).toBe("nosniff");
    // The page's own scripts and styles are files of this origin, covered by the same rules.
    const html = await served.text();
    for (const [, src] of html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) {
      expect((await fetch(`${base}${src}`)).headers.get("X-Content-Type-Options")).toBe("nosniff");
    }
    // Another site cannot frame the page: Chromium refuses to render it in a frame.
    await page.setContent(`<iframe id="f" src="${base}/"></iframe>`);
    const framed = await page.frameLocator("#f").locator("#app").count();
    expect(framed).toBe(0);
    cspViolations.splice(
      0,
      cspViolations.length,
      ...cspViolations.filter((m) => !/frame-ancestors|X-Frame-Options/.test(m)),
    );
    expect(cspViolations).toEqual([]);
  });
});
