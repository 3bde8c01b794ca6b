/// <reference types="node" />
/**
 * Usage and quotas (docs/api.md#usage-and-quotas) under `npm start`: the migration's triggers, as
 * `wrangler d1 migrations apply` installs them, keep usage exact, and a quota refuses over HTTP.
 */
import { describe, expect, inject, it } from "vitest";

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
        adminName: "admin",
        adminPass: "quota-admin-pass-1",
        storageQuota: 1000,
      }),
    });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { storageQuota: number }).storageQuota).toBe(1000);
    const admin = `Basic ${Buffer.from(`${id}/admin:quota-admin-pass-1`).toString("base64")}`;
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
    expect(error.details).toMatchObject({ storageQuota: 1000, storageUsed: 600, requested: 600 });
    const summary = await fetch(`${baseUrl}/tenant/statistics/summary?tenant=${id}`, {
      headers: { Authorization: platform },
    });
    expect(summary.status).toBe(200);
    expect(await summary.json()).toMatchObject({
      storageSize: 600,
      c8y_BinaryStorage: { binaries: 1, storageQuota: 1000 },
    });
    const check = await fetch(`${baseUrl}/tenant/statistics/usageCheck`, { headers: { Authorization: platform } });
    expect(await check.json()).toEqual({ drift: [] });
  });
});
