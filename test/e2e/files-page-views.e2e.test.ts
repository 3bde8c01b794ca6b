/// <reference types="node" />
/**
 * The files page on a phone, a tablet and a desktop (390×844, 768×1024, 1280×860) in Debian's
 * Chromium: cards below 720 px without sideways scrolling and with 44 px tap targets, the link
 * dialog (expiry choices, local time, QR code drawn in the page), "Download selected" as one zip,
 * newest first, the view kept in the URL, the dark theme with WCAG AA contrast, a page-wide drop
 * target fed a synthetic drop of several files, focus after login and dialogs, the "leave page?"
 * warning, file details, the link to /docs/, a disabled account, running uploads never offered for
 * discarding, and many finished uploads not pushing the list down. Screenshots go to
 * $SCREENSHOTS_DIR (`npm run screenshots`: docs/screenshots/).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { renderSVG } from "uqr";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium } from "./chromium";

const base = inject("baseUrl");
const TENANT = "filesviews";
const USER = "vera";
const PASSWORD = "vera-pass-1";
const auth = `Basic ${Buffer.from(`${TENANT}/${USER}:${PASSWORD}`).toString("base64")}`;
const dir = mkdtempSync(join(tmpdir(), "files-views-"));
const shots = process.env.SCREENSHOTS_DIR ?? join(dir, "screenshots");
mkdirSync(shots, { recursive: true });
const VIEWPORTS = [
  { name: "phone", width: 390, height: 844 },
  { name: "tablet", width: 768, height: 1024 },
  { name: "desktop", width: 1280, height: 860 },
] as const;

let browser: Browser;

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${base}${path}`, {
    ...init,
    headers: { Authorization: auth, Accept: "application/json", ...(init.headers as Record<string, string>) },
  });
}

/** Stores a small file through the API, with optional custom fragments. */
async function store(name: string, content: string, fragments: Record<string, unknown> = {}): Promise<string> {
  const form = new FormData();
  form.append("object", JSON.stringify({ name, type: "c8y_Test", ...fragments }));
  form.append("file", new Blob([content], { type: "text/plain" }), name);
  const res = await api("/inventory/binaries", { method: "POST", body: form });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function open(viewport: { width: number; height: number }, colorScheme: "light" | "dark" = "light") {
  const context = await browser.newContext({ viewport, colorScheme, acceptDownloads: true });
  const page = await context.newPage();
  return { context, page };
}

async function login(page: Page, query = ""): Promise<void> {
  await page.goto(`${base}/${query}`);
  await page.getByLabel("Tenant").fill(TENANT);
  await page.getByLabel("User", { exact: true }).fill(USER);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByLabel("Password").press("Enter");
  await page.getByRole("heading", { name: "Files", level: 1 }).waitFor();
  await page.getByTestId("file-row").first().waitFor();
}

/** Whether the page asks before it is left (a cancelable beforeunload, as a navigation sends it). */
const LEAVING = `(() => {
  const event = new Event("beforeunload", { cancelable: true });
  window.dispatchEvent(event);
  return event.defaultPrevented;
})()`;

const names = (page: Page) => page.locator('[data-testid="file-row"] td.name').allTextContents();

beforeAll(async () => {
  const admin = `Basic ${Buffer.from("management/admin:admin").toString("base64")}`;
  const created = await fetch(`${base}/tenant/tenants`, {
    method: "POST",
    headers: { Authorization: admin, "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({
      id: TENANT,
      company: "Views",
      domain: "views.example.com",
      adminName: USER,
      adminPass: PASSWORD,
    }),
  });
  expect(created.status).toBe(201);
  // Stored one after another: the newest is "third.txt".
  await store("first.txt", "one\n");
  await store("second.txt", "two\n", { c8y_Firmware: { version: "1.2.3", url: "" } });
  await store("Prüfbericht 日本.txt", "drei\n");
  await store("third.txt", "three\n");
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("files page views", () => {
  for (const viewport of VIEWPORTS) {
    const layout = viewport.width < 720 ? "cards, 44 px targets" : "a table";
    it(`fits ${viewport.width}×${viewport.height}: no sideways scroll, ${layout}`, async () => {
      const { context, page } = await open(viewport);
      await login(page);
      const overflow = await page.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth");
      expect(overflow).toBeLessThanOrEqual(0);
      expect(await page.getByRole("button", { name: "Log out" }).isVisible()).toBe(true);
      const firstRow = page.getByTestId("file-row").first();
      await firstRow.waitFor();
      const display = await page.evaluate<string>(
        `getComputedStyle(document.querySelector('[data-testid="file-row"]')).display`,
      );
      if (viewport.width < 720) {
        expect(display).toBe("grid");
        // Every visible control is at least 44 px tall and wide enough to hit.
        const small = await page.evaluate<string[]>(`
          [...document.querySelectorAll("button, a, select, input:not(.sr-only)")]
            .filter((el) => el.offsetParent !== null)
            .map((el) => ({ el: el.outerHTML.slice(0, 80), box: el.getBoundingClientRect() }))
            .filter(({ box }) => box.height < 44 || box.width < 44)
            .map(({ el, box }) => el + " " + box.width + "x" + box.height)`);
        expect(small).toEqual([]);
        // The actions of a card sit behind its menu button.
        const download = page.getByRole("button", { name: "Download third.txt" });
        expect(await download.isVisible()).toBe(false);
        await page.getByRole("button", { name: "Actions for third.txt" }).click();
        expect(await download.isVisible()).toBe(true);
      } else {
        expect(display).toBe("table-row");
      }
      await page.screenshot({ path: join(shots, `list-${viewport.name}.png`), fullPage: true });
      await context.close();
    });
  }

  it("opens newest first and keeps search, sort and page in the URL across a reload", async () => {
    const { context, page } = await open({ width: 1280, height: 860 });
    await login(page);
    expect((await names(page)).slice(0, 2)).toEqual(["third.txt", "Prüfbericht 日本.txt"]);
    expect(await page.getByRole("columnheader", { name: /Last update/ }).getAttribute("aria-sort")).toBe("descending");
    await page.getByRole("searchbox").fill("t.txt");
    await expect.poll(() => new URL(page.url()).searchParams.get("q")).toBe("t.txt");
    await page.getByRole("button", { name: "Name", exact: true }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get("sort")).toBe("name-asc");
    await expect.poll(() => names(page)).toEqual(["first.txt"]);
    await page.reload();
    await page.getByRole("heading", { name: "Files", level: 1 }).waitFor();
    await expect.poll(() => names(page)).toEqual(["first.txt"]);
    expect(await page.getByRole("searchbox").inputValue()).toBe("t.txt");
    // An empty result says that a filter is active.
    await page.getByRole("searchbox").fill("nothing-matches-this");
    await expect.poll(() => page.locator("td.empty").textContent()).toBe("No files match the search or type filter.");
    await page.goto(`${base}/?size=10&page=1&sort=name-desc`);
    // The server compares names byte by byte (SQLite's BINARY collation): "P" sorts before "f".
    await expect.poll(() => names(page)).toEqual(["third.txt", "second.txt", "first.txt", "Prüfbericht 日本.txt"]);
    await context.close();
  });

  for (const viewport of VIEWPORTS) {
    it(`shares a link with a chosen expiry in local time, a copy button and a QR code (${viewport.name})`, async () => {
      const { context, page } = await open(viewport);
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
      const external: string[] = [];
      page.on("request", (request) => {
        if (!request.url().startsWith(base) && !request.url().startsWith("data:")) external.push(request.url());
      });
      await login(page);
      if (viewport.width < 720) await page.getByRole("button", { name: "Actions for second.txt" }).click();
      await page.getByRole("button", { name: "Copy link to second.txt" }).click();
      const dialog = page.getByRole("dialog");
      const expiry = dialog.getByTestId("link-expiry");
      await expect.poll(() => expiry.textContent()).toContain("(in 60 minutes, your local time)");
      await dialog.getByLabel("Valid for").selectOption({ label: "1 day" });
      await expect.poll(() => expiry.textContent()).toContain("(in 24 hours, your local time)");
      const url = await dialog.getByRole("textbox", { name: "Link" }).inputValue();
      const expires = Number(new URL(url).searchParams.get("expires")) * 1000;
      expect(Math.abs(expires - (Date.now() + 86_400_000))).toBeLessThan(120_000);
      // The local date and time the page shows is the link's expiry.
      const shown = await page.evaluate((ms) => new Date(ms).toLocaleString(), expires);
      expect(await expiry.textContent()).toContain(shown);
      await dialog.getByLabel("Valid for").selectOption({ label: "Until a date…" });
      const until = await page.evaluate(() => {
        const d = new Date(Date.now() + 3 * 86_400_000);
        const pad = (n: number) => String(n).padStart(2, "0");
        return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T10:30`;
      });
      await dialog.getByLabel("Until", { exact: true }).fill(until);
      await expect.poll(() => expiry.textContent()).toMatch(/in [23] days/);
      const qr = dialog.getByRole("img", { name: "QR code of the link" });
      const link = await dialog.getByRole("textbox", { name: "Link" }).inputValue();
      expect(await qr.getAttribute("src")).toBe(
        `data:image/svg+xml;charset=utf-8,${encodeURIComponent(renderSVG(link))}`,
      );
      // The clipboard answers only a focused document: with other pages of the browser busy (a loaded
      // machine), focus is not a given.
      await page.bringToFront();
      await dialog.getByRole("button", { name: "Copy", exact: true }).click();
      await expect.poll(() => dialog.getByRole("status").textContent()).toBe("Copied to the clipboard.");
      expect((await fetch(link)).status).toBe(200);
      await page.screenshot({ path: join(shots, `link-dialog-${viewport.name}.png`) });
      // A date past the server's 7 days is refused in the page.
      await dialog.getByLabel("Until", { exact: true }).fill(until.replace(/^\d{4}/, (y) => String(Number(y) + 1)));
      await expect.poll(() => dialog.getByRole("alert").textContent()).toContain("7 days");
      expect(external).toEqual([]);
      await context.close();
    });
  }

  for (const viewport of VIEWPORTS) {
    it(`downloads the selection as one zip that unzip and Python's zipfile open (${viewport.name})`, async () => {
      const { context, page } = await open(viewport);
      await login(page);
      await page.getByLabel("Select first.txt").check();
      await page.getByLabel("Select Prüfbericht 日本.txt").check();
      const download = page.waitForEvent("download");
      await page.getByRole("button", { name: "Download selected (2)" }).click();
      const saved = join(dir, `selection-${viewport.name}.zip`);
      await (await download).saveAs(saved);
      expect(execFileSync("unzip", ["-t", saved], { encoding: "utf8" })).toContain("No errors detected");
      const listed = execFileSync(
        "python3",
        ["-c", "import sys, zipfile, json; z = zipfile.ZipFile(sys.argv[1]); print(json.dumps(z.namelist()))", saved],
        { encoding: "utf8" },
      );
      expect(JSON.parse(listed)).toEqual(["first.txt", "Prüfbericht 日本.txt"]);
      await context.close();
    });
  }

  for (const viewport of VIEWPORTS) {
    it(`follows a dark system theme with WCAG AA contrast for text and controls (${viewport.name})`, async () => {
      const { context, page } = await open(viewport, "dark");
      await login(page);
      // WCAG 2 contrast of each sampled element's text against the first opaque background behind it.
      const report = await page.evaluate<{ scheme: string; ratios: { selector: string; ratio: number }[] }>(`(() => {
        const rgb = (color) => (color.match(/[\\d.]+/g) ?? []).slice(0, 3).map(Number);
        const channel = (v) => {
          const s = v / 255;
          return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        };
        const lum = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
        const background = (el) => {
          for (let e = el; e; e = e.parentElement) {
            const bg = getComputedStyle(e).backgroundColor;
            if (bg && bg !== "rgba(0, 0, 0, 0)" && bg !== "transparent") return bg;
          }
          return getComputedStyle(document.documentElement).backgroundColor;
        };
        const ratio = (el) => {
          const a = lum(rgb(getComputedStyle(el).color));
          const b = lum(rgb(background(el)));
          return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        };
        const selectors = ["h1", "header .who", ".docs-link", ".dropzone p", ".button.primary", "td.name button.link",
          "td.number", "label", "input[type=search]", ".pager span", "button.danger", "button"];
        return {
          scheme: getComputedStyle(document.documentElement).backgroundColor,
          ratios: selectors.map((selector) => {
            const el = document.querySelector(selector);
            return { selector, ratio: el ? Math.round(ratio(el) * 100) / 100 : 0 };
          }),
        };
      })()`);
      // The page really is dark, and every sampled text reaches 4.5:1.
      expect(report.scheme).not.toBe("rgb(245, 247, 250)");
      for (const { selector, ratio } of report.ratios) expect(ratio, selector).toBeGreaterThanOrEqual(4.5);
      await page.screenshot({ path: join(shots, `dark-${viewport.name}.png`), fullPage: true });
      await context.close();
    });
  }

  for (const viewport of VIEWPORTS) {
    it(`takes a synthetic drop of several files anywhere on the page (${viewport.name})`, async () => {
      const { context, page } = await open(viewport);
      const prefix = `dropped-${viewport.name}-`;
      await login(page);
      const target = page.getByTestId("file-row").first();
      // What a browser hands a page for a drop of three files from the desktop.
      const transfer = await page.evaluateHandle(`(() => {
        const data = new DataTransfer();
        data.items.add(new File(["a"], "${prefix}1.txt"));
        data.items.add(new File(["b,c\\n"], "${prefix}2.csv"));
        data.items.add(new File(["{}"], "${prefix}3.json"));
        return data;
      })()`);
      await target.dispatchEvent("dragenter", { dataTransfer: transfer });
      await target.dispatchEvent("dragover", { dataTransfer: transfer });
      expect(await page.getByTestId("drop-overlay").isVisible()).toBe(true);
      await page.screenshot({ path: join(shots, `drop-anywhere-${viewport.name}.png`) });
      await target.dispatchEvent("drop", { dataTransfer: transfer });
      expect(await page.getByTestId("drop-overlay").count()).toBe(0);
      await expect
        .poll(() => page.locator('[data-testid="upload-row"][data-state="done"]').count(), { timeout: 30_000 })
        .toBe(3);
      const listed = (await (await api("/inventory/binaries?pageSize=100")).json()) as {
        managedObjects: { name: string; contentType: string }[];
      };
      const dropped = listed.managedObjects.filter((mo) => mo.name.startsWith(prefix)).map((mo) => mo.name);
      expect(dropped.sort()).toEqual([`${prefix}1.txt`, `${prefix}2.csv`, `${prefix}3.json`]);
      await context.close();
    });
  }

  it("puts focus on the heading after login and back on the opener after a dialog", async () => {
    const { context, page } = await open({ width: 1280, height: 860 });
    await login(page);
    expect(await page.evaluate("document.activeElement?.tagName")).toBe("H1");
    const opener = page.getByRole("button", { name: "Edit first.txt" });
    await opener.click();
    await page.getByRole("dialog").waitFor();
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "detached" });
    expect(await page.evaluate('document.activeElement?.getAttribute("aria-label")')).toBe("Edit first.txt");
    await context.close();
  });

  it("shows a file's details (id, creation time, custom fragments) and links to /docs/", async () => {
    const { context, page } = await open({ width: 1280, height: 860 });
    await login(page);
    await page.getByRole("button", { name: "second.txt", exact: true }).click();
    const dialog = page.getByRole("dialog");
    const object = (
      (await (await api("/inventory/binaries?pageSize=100")).json()) as {
        managedObjects: { id: string; name: string; creationTime: string }[];
      }
    ).managedObjects.find((mo) => mo.name === "second.txt");
    expect(await dialog.getByTestId("detail-id").textContent()).toBe(object?.id);
    expect(await dialog.getByTestId("detail-created").locator("time").getAttribute("datetime")).toBe(
      object?.creationTime,
    );
    expect(JSON.parse((await dialog.getByTestId("detail-fragments").textContent()) ?? "{}")).toEqual({
      c8y_Firmware: { version: "1.2.3", url: "" },
    });
    await page.screenshot({ path: join(shots, "details.png") });
    await page.keyboard.press("Escape");
    expect(await page.getByRole("link", { name: "API docs" }).getAttribute("href")).toBe("/docs/");
    await context.close();
  });

  it("says an account is disabled instead of calling the password wrong", async () => {
    const created = await api(`/user/${TENANT}/users`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ userName: "sleeper", password: "sleeper-pass-1", enabled: false }),
    });
    expect(created.status).toBe(201);
    const { context, page } = await open({ width: 1280, height: 860 });
    await page.goto(`${base}/`);
    await page.getByLabel("Tenant").fill(TENANT);
    await page.getByLabel("User", { exact: true }).fill("sleeper");
    await page.getByLabel("Password").fill("sleeper-pass-1");
    await page.getByLabel("Password").press("Enter");
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("This account is disabled");
    expect(await page.getByRole("alert").textContent()).not.toContain("password is wrong");
    await context.close();
  });

  it("warns before leaving while an upload runs, never offers it for discarding, and keeps the list near", async () => {
    const { context, page } = await open({ width: 1280, height: 860 });
    await login(page);
    const big = file("big-upload.bin", Buffer.alloc(60 * 1024 * 1024, 7));
    await page.getByTestId("upload-input").setInputFiles(big);
    const bigRow = page.locator('[data-testid="upload-row"][data-name="big-upload.bin"]');
    await expect.poll(() => bigRow.getAttribute("data-state"), { timeout: 20_000 }).toBe("uploading");
    const warned = await page.evaluate(LEAVING);
    expect(warned).toBe(true);
    // Once a chunk is on the server, pause it: it now is an upload tus-js-client remembers.
    await expect
      .poll(async () => Number((await bigRow.getByTestId("upload-percent").textContent())?.replace(" %", "")), {
        timeout: 60_000,
      })
      .toBeGreaterThan(0);
    await page.getByRole("button", { name: "Pause big-upload.bin" }).click();
    // Many small uploads finish meanwhile (each refreshes the "unfinished" list).
    const small = Array.from({ length: 32 }, (_, i) => file(`small-${i}.txt`, `small ${i}\n`));
    await page.getByTestId("upload-input").setInputFiles(small);
    await expect
      .poll(() => page.locator('[data-testid="upload-row"][data-state="done"]').count(), { timeout: 60_000 })
      .toBe(32);
    const unfinished = page.getByRole("region", { name: "Unfinished uploads" });
    expect(await unfinished.count()).toBe(0);
    const tableTop = await page.evaluate<number>(
      'document.querySelector("table.files").getBoundingClientRect().top + scrollY',
    );
    expect(tableTop).toBeLessThan(900);
    await page.screenshot({ path: join(shots, "many-uploads.png") });
    // Nothing runs any more: leaving is not held up.
    await page.getByRole("button", { name: "Cancel big-upload.bin" }).click();
    const after = await page.evaluate(LEAVING);
    expect(after).toBe(false);
    await context.close();
  }, 180_000);
});
