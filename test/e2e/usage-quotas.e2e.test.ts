/// <reference types="node" />
/**
 * Usage and quotas (docs/api.md#usage-and-quotas) under `npm start`: the migration's triggers, as
 * `wrangler d1 migrations apply` installs them, keep usage exact, and a quota refuses over HTTP; the files
 * page shows used / quota.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium } from "./chromium";
import { type FilesPageSetup, filesPageSetup } from "./files-page-setup";

const baseUrl = inject("baseUrl");
const platform = `Basic ${Buffer.from("management/admin:admin").toString("base64")}`;

describe("usage and quotas under npm start", () => {
  it("counts uploads into the summary and refuses one past the quota with 413", async () => {
    const id = `q${Date.now().toString(36)}`;
    const created = await fetch(`${baseUrl}/tenant/tenants`, {
      method: "POST",
      headers: { Authorization: platform, "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({
        id,
        company: "Quota Inc.",
        domain: `${id}.example.com`,
        adminName: "quota-admin",
        adminPass: "quota-admin-pass-1",
        storageQuota: 1000,
      }),
    });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { storageQuota: number }).storageQuota).toBe(1000);
    const admin = `Basic ${Buffer.from(`${id}/quota-admin:quota-admin-pass-1`).toString("base64")}`;
    const send = (bytes: number) => {
      const form = new FormData();
      form.append("object", JSON.stringify({ name: "q.bin", type: "c8y_Firmware" }));
      form.append("file", new Blob([new Uint8Array(bytes)]), "q.bin");
      return fetch(`${baseUrl}/inventory/binaries`, { method: "POST", headers: { Authorization: admin }, body: form });
    };
    expect((await send(600)).status).toBe(201);
    const refused = await send(600);
    expect(refused.status).toBe(413);
    const error = (await refused.json()) as { error: string; details: Record<string, unknown> };
    expect(error.error).toBe("inventory/Storage Quota Exceeded");
    // Used: 600 bytes and 19 of metadata ("q.bin", "c8y_Firmware", "{}").
    expect(error.details).toMatchObject({ storageQuota: 1000, storageUsed: 619, requested: 600 });
    const summary = await fetch(`${baseUrl}/tenant/statistics/summary?tenant=${id}`, {
      headers: { Authorization: platform },
    });
    expect(summary.status).toBe(200);
    expect(await summary.json()).toMatchObject({
      storageSize: 619,
      c8y_BinaryStorage: { binaries: 1, storageQuota: 1000 },
    });
    const check = await fetch(`${baseUrl}/tenant/statistics/usageCheck`, { headers: { Authorization: platform } });
    expect(await check.json()).toEqual({ drift: [] });
  });
});

describe("the files page shows the tenant's usage and quota", () => {
  let setup: FilesPageSetup;
  let browser: Browser;
  beforeAll(async () => {
    setup = await filesPageSetup(baseUrl, { tenant: "usagepage", user: "uma", password: "uma-pass-1", company: "Use" });
    browser = await launchChromium();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    setup?.cleanup();
  });

  it("used bytes without a quota, used of quota with one; refreshed after an upload", async () => {
    await setup.store("one.txt", "x".repeat(2048));
    const { context, page } = await setup.open(browser, { width: 1280, height: 860 });
    await setup.login(page);
    const use = page.getByTestId("storage-use");
    // 2048 bytes and the file's metadata (name, type, fragments: some dozens of bytes).
    await expect.poll(() => use.textContent()).toMatch(/^2\.[01] KiB used$/);
    const quota = await fetch(`${baseUrl}/tenant/tenants/usagepage`, {
      method: "PUT",
      headers: { Authorization: platform, "Content-Type": "application/json" },
      body: JSON.stringify({ storageQuota: 10 * 1024 * 1024 }),
    });
    expect(quota.status).toBe(200);
    // An upload through the page reloads the list, and the usage with it.
    await page
      .locator('input[type="file"]')
      .first()
      .setInputFiles(setup.file("two.txt", "y".repeat(1024)));
    await expect.poll(() => use.textContent(), { timeout: 30_000 }).toMatch(/^3\.[01] KiB of 10 MiB used$/);
    await context.close();
  });
});
