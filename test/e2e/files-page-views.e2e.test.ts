/// <reference types="node" />
// Long because: one Chromium and one wrangler dev serve every view check at three viewport sizes; a split
// would start both again per file.
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
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { renderSVG } from "uqr";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium } from "./chromium";
import { CARDS_BELOW, type FilesPageSetup, filesPageSetup, showActions, VIEWPORTS } from "./files-page-setup";

const base = inject("baseUrl");
let setup: FilesPageSetup;
let browser: Browser;
const api = (path: string, init?: RequestInit) => setup.api(path, init);
const open = (viewport: { width: number; height: number }, colorScheme: "light" | "dark" = "light") =>
  setup.open(browser, viewport, colorScheme);
const login = (page: Page, query = "") => setup.login(page, { query });

/** Whether the page asks before it is left (a cancelable beforeunload, as a navigation sends it). */
const LEAVING = `(() => {
  const event = new Event("beforeunload", { cancelable: true });
  window.dispatchEvent(event);
  return event.defaultPrevented;
})()`;

const names = (page: Page) => page.locator('[data-testid="file-row"] td.name').allTextContents();

beforeAll(async () => {
  setup = await filesPageSetup(base, { tenant: "filesviews", user: "vera", password: "vera-pass-1", company: "Views" });
  // Stored one after another: the newest is "third.txt".
  await setup.store("first.txt", "one\n");
  await setup.store("second.txt", "two\n", { c8y_Firmware: { version: "1.2.3", url: "" } });
  await setup.store("Prüfbericht 日本.txt", "drei\n");
  await setup.store("third.txt", "three\n");
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  setup?.cleanup();
});

describe("files page views", () => {
  for (const viewport of VIEWPORTS) {
    const layout = viewport.width < CARDS_BELOW ? "cards, 44 px targets" : "a table";
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
      if (viewport.width < CARDS_BELOW) {
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
      await page.screenshot({ path: join(setup.shots, `list-${viewport.name}.png`), fullPage: true });
      await context.close();
    });
  }

  it("opens newest first and keeps search, sort and page in the URL across a reload, at each size", async () => {
    for (const viewport of VIEWPORTS) {
      const { context, page } = await open(viewport);
      await login(page);
      expect((await names(page)).slice(0, 2), viewport.name).toEqual(["third.txt", "Prüfbericht 日本.txt"]);
      // (Cards keep the sort buttons but not the table's roles: the header cell is found by its class.)
      const lastUpdate = page.locator("th.sortable", { hasText: "Last update" });
      expect(await lastUpdate.getAttribute("aria-sort")).toBe("descending");
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
    }
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
      await showActions(page, viewport, "second.txt");
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
      // (The default date is 2 days ahead too: wait for the link of the date just filled in.)
      const target = await page.evaluate((local) => new Date(local).getTime() / 1000, until);
      const linkBox = dialog.getByRole("textbox", { name: "Link" });
      const expiresOf = async () => Number(new URL(await linkBox.inputValue()).searchParams.get("expires"));
      await expect.poll(async () => Math.abs((await expiresOf()) - target)).toBeLessThanOrEqual(2);
      const qr = dialog.getByRole("img", { name: "QR code of the link" });
      const link = await linkBox.inputValue();
      expect(await qr.getAttribute("src")).toBe(
        `data:image/svg+xml;charset=utf-8,${encodeURIComponent(renderSVG(link))}`,
      );
      // The clipboard answers only a focused document: with other pages of the browser busy (a loaded
      // machine), focus is not a given.
      await page.bringToFront();
      // A second passes before the copy: the dialog must not mint a new link on the next render
      // (an expiry "until a date" once was recomputed from the clock at every render, clearing "Copied").
      await page.waitForTimeout(1_200);
      await dialog.getByRole("button", { name: "Copy", exact: true }).click();
      await expect.poll(() => dialog.getByRole("status").textContent()).toBe("Copied to the clipboard.");
      await page.waitForTimeout(1_200);
      expect(await dialog.getByRole("status").textContent()).toBe("Copied to the clipboard.");
      expect(await dialog.getByRole("textbox", { name: "Link" }).inputValue()).toBe(link);
      expect((await fetch(link)).status).toBe(200);
      await page.screenshot({ path: join(setup.shots, `link-dialog-${viewport.name}.png`) });
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
      const saved = join(setup.dir, `selection-${viewport.name}.zip`);
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
      await page.screenshot({ path: join(setup.shots, `dark-${viewport.name}.png`), fullPage: true });
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
      await page.screenshot({ path: join(setup.shots, `drop-anywhere-${viewport.name}.png`) });
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

  it("puts focus on the heading after login and back on the opener after a dialog, at each size", async () => {
    for (const viewport of VIEWPORTS) {
      const { context, page } = await open(viewport);
      await login(page);
      expect(await page.evaluate("document.activeElement?.tagName"), viewport.name).toBe("H1");
      await showActions(page, viewport, "first.txt");
      const opener = page.getByRole("button", { name: "Edit first.txt" });
      await opener.click();
      await page.getByRole("dialog").waitFor();
      await page.keyboard.press("Escape");
      await page.getByRole("dialog").waitFor({ state: "detached" });
      expect(await page.evaluate('document.activeElement?.getAttribute("aria-label")'), viewport.name).toBe(
        "Edit first.txt",
      );
      await context.close();
    }
  });

  it("shows a file's details (id, creation time, custom fragments) and links to /docs/, at each size", async () => {
    const object = (
      (await (await api("/inventory/binaries?pageSize=100")).json()) as {
        managedObjects: { id: string; name: string; creationTime: string }[];
      }
    ).managedObjects.find((mo) => mo.name === "second.txt");
    for (const viewport of VIEWPORTS) {
      const { context, page } = await open(viewport);
      await login(page);
      await page.getByRole("button", { name: "second.txt", exact: true }).click();
      const dialog = page.getByRole("dialog");
      expect(await dialog.getByTestId("detail-id").textContent(), viewport.name).toBe(object?.id);
      expect(await dialog.getByTestId("detail-created").locator("time").getAttribute("datetime")).toBe(
        object?.creationTime,
      );
      expect(JSON.parse((await dialog.getByTestId("detail-fragments").textContent()) ?? "{}")).toEqual({
        c8y_Firmware: { version: "1.2.3", url: "" },
      });
      // The details fit the screen: nothing of the dialog is cut off sideways.
      const box = await dialog.boundingBox();
      expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 0) <= viewport.width, viewport.name).toBe(true);
      await page.screenshot({
        path: join(setup.shots, viewport.name === "desktop" ? "details.png" : `details-${viewport.name}.png`),
      });
      await page.keyboard.press("Escape");
      const docs = page.getByRole("link", { name: "API docs" });
      expect(await docs.getAttribute("href")).toBe("/docs/");
      expect(await docs.isVisible(), viewport.name).toBe(true);
      await context.close();
    }
  });

  it("says an account is disabled instead of calling the password wrong, at each size", async () => {
    const created = await api(`/user/${setup.tenant}/users`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ userName: "sleeper", password: "sleeper-pass-1", enabled: false }),
    });
    expect(created.status).toBe(201);
    for (const viewport of VIEWPORTS) {
      const { context, page } = await open(viewport);
      await page.goto(`${base}/`);
      await page.getByLabel("Tenant").fill(setup.tenant);
      await page.getByLabel("User", { exact: true }).fill("sleeper");
      await page.getByLabel("Password").fill("sleeper-pass-1");
      await page.getByLabel("Password").press("Enter");
      await expect.poll(() => page.getByRole("alert").textContent()).toContain("This account is disabled");
      expect(await page.getByRole("alert").textContent(), viewport.name).not.toContain("password is wrong");
      expect(await page.getByRole("alert").isVisible(), viewport.name).toBe(true);
      await context.close();
    }
  });

  it("keeps a selection across pages, downloads it as one zip and deletes exactly it", async () => {
    for (let i = 1; i <= 12; i++) await setup.store(`zz-sel-${String(i).padStart(2, "0")}.txt`, `sel ${i}\n`);
    const { context, page } = await open(VIEWPORTS[0]);
    await login(page, "?q=zz-sel&size=10&sort=name-asc");
    await expect.poll(() => names(page)).toHaveLength(10);
    await page.getByLabel("Select zz-sel-02.txt").check();
    await page.getByRole("button", { name: "Next" }).click();
    await expect.poll(() => names(page)).toEqual(["zz-sel-11.txt", "zz-sel-12.txt"]);
    await page.getByLabel("Select zz-sel-11.txt").check();
    await page.getByRole("button", { name: "Previous" }).click();
    await expect.poll(() => names(page)).toHaveLength(10);
    expect(await page.getByLabel("Select zz-sel-02.txt").isChecked()).toBe(true);
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download selected (2)" }).click();
    const saved = join(setup.dir, "across-pages.zip");
    await (await download).saveAs(saved);
    const listed = execFileSync(
      "python3",
      ["-c", "import sys, zipfile, json; print(json.dumps(zipfile.ZipFile(sys.argv[1]).namelist()))", saved],
      { encoding: "utf8" },
    );
    expect(JSON.parse(listed).sort()).toEqual(["zz-sel-02.txt", "zz-sel-11.txt"]);
    await page.getByRole("button", { name: "Delete selected (2)" }).click();
    const dialog = page.getByRole("dialog");
    expect(await dialog.getByRole("heading").first().textContent()).toContain("Delete 2 files?");
    await dialog.getByRole("button", { name: "Delete", exact: true }).click();
    await dialog.waitFor({ state: "detached" });
    const left = (await (await api("/inventory/binaries?pageSize=100")).json()) as {
      managedObjects: { name: string }[];
    };
    const remaining = left.managedObjects.map((mo) => mo.name).filter((name) => name.startsWith("zz-sel-"));
    expect(remaining.sort()).toEqual(
      [1, 3, 4, 5, 6, 7, 8, 9, 10, 12].map((i) => `zz-sel-${String(i).padStart(2, "0")}.txt`),
    );
    await expect.poll(() => page.getByRole("button", { name: "Delete selected (0)" }).isDisabled()).toBe(true);
    await context.close();
  });

  it("filters by part of the type as you type (contains, or the user's own * wildcards), at each size", async () => {
    await setup.store("firmware-image.bin", "fw\n", { type: "c8y_Firmware" });
    await setup.store("config-dump.txt", "cfg\n", { type: "c8y_Configuration" });
    for (const viewport of VIEWPORTS) {
      const { context, page } = await open(viewport);
      await login(page);
      const typeFilter = page.locator('input[name="type"]');
      await typeFilter.fill("Firm");
      await expect.poll(() => names(page), { message: viewport.name }).toEqual(["firmware-image.bin"]);
      expect(new URL(page.url()).searchParams.get("type")).toBe("Firm");
      await typeFilter.fill("c8y_Conf");
      await expect.poll(() => names(page)).toEqual(["config-dump.txt"]);
      await typeFilter.fill("*ation");
      await expect.poll(() => names(page)).toEqual(["config-dump.txt"]);
      await typeFilter.fill("c8y_*ware");
      await expect.poll(() => names(page)).toEqual(["firmware-image.bin"]);
      // A quote is data, not the end of the query's string.
      await typeFilter.fill("it's");
      await expect.poll(() => page.locator("td.empty").textContent()).toBe("No files match the search or type filter.");
      // The exact type still works, and a reload keeps the filter.
      await typeFilter.fill("c8y_Firmware");
      await expect.poll(() => names(page)).toEqual(["firmware-image.bin"]);
      await page.reload();
      await expect.poll(() => names(page)).toEqual(["firmware-image.bin"]);
      await context.close();
    }
  });

  it("warns before leaving while uploading, never offers a running upload to discard, list stays near", async () => {
    const tableTop = (page: Page) =>
      page.evaluate<number>('document.querySelector("table.files").getBoundingClientRect().top + scrollY');
    for (const viewport of VIEWPORTS) {
      const { context, page } = await open(viewport);
      await login(page);
      const before = await tableTop(page);
      const bigName = `big-upload-${viewport.name}.bin`;
      await page.getByTestId("upload-input").setInputFiles(setup.file(bigName, Buffer.alloc(60 * 1024 * 1024, 7)));
      const bigRow = page.locator(`[data-testid="upload-row"][data-name="${bigName}"]`);
      await expect.poll(() => bigRow.getAttribute("data-state"), { timeout: 20_000 }).toBe("uploading");
      expect(await page.evaluate(LEAVING), viewport.name).toBe(true);
      // Once a chunk is on the server, pause it: it now is an upload tus-js-client remembers.
      await expect
        .poll(async () => Number((await bigRow.getByTestId("upload-percent").textContent())?.replace(" %", "")), {
          timeout: 60_000,
        })
        .toBeGreaterThan(0);
      await page.getByRole("button", { name: `Pause ${bigName}` }).click();
      // Many small uploads finish meanwhile (each refreshes the "unfinished" list).
      const small = Array.from({ length: 32 }, (_, i) => setup.file(`small-${viewport.name}-${i}.txt`, `small ${i}\n`));
      await page.getByTestId("upload-input").setInputFiles(small);
      await expect
        .poll(() => page.locator('[data-testid="upload-row"][data-state="done"]').count(), { timeout: 60_000 })
        .toBe(32);
      expect(await page.getByRole("region", { name: "Unfinished uploads" }).count(), viewport.name).toBe(0);
      // The finished uploads scroll in their own box: the table moves down by less than half a screen.
      const after = await tableTop(page);
      expect(after - before, viewport.name).toBeLessThan(viewport.height / 2);
      await page.screenshot({
        path: join(setup.shots, viewport.name === "desktop" ? "many-uploads.png" : `many-uploads-${viewport.name}.png`),
      });
      // Nothing runs any more: leaving is not held up.
      await page.getByRole("button", { name: `Cancel ${bigName}` }).click();
      expect(await page.evaluate(LEAVING), viewport.name).toBe(false);
      await context.close();
    }
  }, 400_000);
});
