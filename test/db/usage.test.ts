import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { findUsageDrift, readUsage } from "../../src/db/usage";
import { db, randomBytes, seedUser, upload } from "../helpers";

describe("usage triggers", () => {
  it("count inserts and deletes of binaries", async () => {
    const admin = await seedUser("usage-a", "admin");
    const a = await upload(admin, "a.bin", randomBytes(1000, 1));
    await upload(admin, "b.bin", randomBytes(500, 2));
    expect(await readUsage(db(), "usage-a")).toMatchObject({ storedBytes: 1500, binaries: 2 });
    await env.DB.prepare("DELETE FROM binaries WHERE id = ?").bind(Number(a.id)).run();
    expect(await readUsage(db(), "usage-a")).toMatchObject({ storedBytes: 500, binaries: 1 });
    expect(await findUsageDrift(db())).toEqual([]);
  });
});
