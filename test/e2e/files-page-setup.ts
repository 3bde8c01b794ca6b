/// <reference types="node" />
/**
 * What every files-page e2e file needs, in one place: a tenant of its own (so other files' binaries
 * stay out of its table), the API with that tenant's admin, a temporary directory for files to pick
 * and for screenshots ($SCREENSHOTS_DIR when set: `npm run screenshots` writes docs/screenshots/),
 * the three viewport sizes of issue 22, a browser context per viewport and the login form filled in.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { expect } from "vitest";

/** Phone, tablet and desktop, as the page is tested at (docs/api.md#files-page-and-openapi-document). */
export const VIEWPORTS = [
  { name: "phone", width: 390, height: 844 },
  { name: "tablet", width: 768, height: 1024 },
  { name: "desktop", width: 1280, height: 860 },
] as const;
export type Viewport = (typeof VIEWPORTS)[number];
export const DESKTOP = VIEWPORTS[2];
/** Below this width the table is a list of cards whose actions sit behind a "⋯" menu. */
export const CARDS_BELOW = 720;

export interface FilesPageSetup {
  base: string;
  tenant: string;
  user: string;
  password: string;
  /** Basic header of the tenant's admin. */
  auth: string;
  /** Where files to upload are written. */
  dir: string;
  /** Where screenshots go. */
  shots: string;
  /** The API as the tenant's admin (JSON accepted unless the caller says otherwise). */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** Writes a file into `dir` and returns its path. */
  file(name: string, content: string | Buffer): string;
  /** Stores a small text file through the API (type c8y_Test unless `fragments` says otherwise); its id. */
  store(name: string, content: string, fragments?: Record<string, unknown>): Promise<string>;
  /** The id of the stored binary called `name`. */
  idOf(name: string): Promise<string>;
  /** A fresh browser context (own storage) at `viewport`, and a page in it. */
  open(
    browser: Browser,
    viewport: { width: number; height: number },
    colorScheme?: "light" | "dark",
  ): ReturnType<typeof openContext>;
  /** Opens `/${query}`, logs in with the form and waits for the files table (`waitForRows`: a first row too). */
  login(page: Page, options?: { query?: string; waitForRows?: boolean }): Promise<void>;
  /** Removes the temporary directory. */
  cleanup(): void;
}

async function openContext(
  browser: Browser,
  viewport: { width: number; height: number },
  colorScheme: "light" | "dark" = "light",
) {
  const context = await browser.newContext({ viewport, colorScheme, acceptDownloads: true });
  const page = await context.newPage();
  return { context, page };
}

/** Fills the login form of the page at `url` and waits until the logged-in page shows. */
export async function loginWithForm(page: Page, url: string, tenant: string, user: string, password: string) {
  await page.goto(url);
  await page.getByLabel("Tenant").fill(tenant);
  await page.getByLabel("User", { exact: true }).fill(user);
  await page.getByLabel("Password").fill(password);
  await page.getByLabel("Password").press("Enter");
  // (The login form's heading is "Files" too: wait for what only the logged-in page has.)
  await page.getByRole("button", { name: "Log out" }).waitFor();
}

/**
 * Creates the tenant `tenant` with admin `user` (through the management tenant's admin) and returns
 * the helpers bound to it. Call from `beforeAll`; call `cleanup` from `afterAll`.
 */
export async function filesPageSetup(
  base: string,
  { tenant, user, password, company }: { tenant: string; user: string; password: string; company: string },
): Promise<FilesPageSetup> {
  const admin = `Basic ${Buffer.from("management/admin:admin").toString("base64")}`;
  const created = await fetch(`${base}/tenant/tenants`, {
    method: "POST",
    headers: { Authorization: admin, "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({
      id: tenant,
      company,
      domain: `${tenant}.example.com`,
      adminName: user,
      adminPass: password,
    }),
  });
  expect(created.status).toBe(201);
  const auth = `Basic ${Buffer.from(`${tenant}/${user}:${password}`).toString("base64")}`;
  const dir = mkdtempSync(join(tmpdir(), `${tenant}-`));
  const shots = process.env.SCREENSHOTS_DIR ?? join(dir, "screenshots");
  mkdirSync(shots, { recursive: true });
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, {
      ...init,
      headers: { Authorization: auth, Accept: "application/json", ...(init.headers as Record<string, string>) },
    });
  return {
    base,
    tenant,
    user,
    password,
    auth,
    dir,
    shots,
    api,
    file(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
    async store(name, content, fragments = {}) {
      const form = new FormData();
      form.append("object", JSON.stringify({ name, type: "c8y_Test", ...fragments }));
      form.append("file", new Blob([content], { type: "text/plain" }), name);
      const res = await api("/inventory/binaries", { method: "POST", body: form });
      expect(res.status).toBe(201);
      return ((await res.json()) as { id: string }).id;
    },
    async idOf(name) {
      const body = (await (await api("/inventory/binaries?pageSize=2000")).json()) as {
        managedObjects: { id: string; name: string }[];
      };
      const found = body.managedObjects.find((mo) => mo.name === name);
      if (!found) throw new Error(`${name} is not stored`);
      return found.id;
    },
    open: openContext,
    async login(page, { query = "", waitForRows = true } = {}) {
      await loginWithForm(page, `${base}/${query}`, tenant, user, password);
      await page.getByRole("heading", { name: "Files", level: 1 }).waitFor();
      if (waitForRows) await page.getByTestId("file-row").first().waitFor();
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** On a phone the row's actions sit behind its "⋯" menu: opens it there, does nothing on wider screens. */
export async function showActions(page: Page, viewport: { width: number }, name: string): Promise<void> {
  if (viewport.width < CARDS_BELOW) await page.getByRole("button", { name: `Actions for ${name}` }).click();
}
