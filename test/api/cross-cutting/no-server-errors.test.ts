import { beforeAll, describe, expect, it } from "vitest";
import { call, countEverywhere, randomBytes, seedUser, shardD1, TUS, tusPatch, upload } from "../../helpers";

/** Issue 21, finding 6: requests that answered 500 answer 4xx (or a valid answer) and change nothing. */
const MIB = 1024 * 1024;
let alice: string;

beforeAll(async () => {
  alice = await seedUser("t1", "alice");
  await upload(alice, "fw.bin", "firmware", { c8y_Firmware: { version: "1.0" } }, "c8y_Firmware");
});

/** Polls until `probe` holds (at most 2 s). */
async function until(probe: () => Promise<boolean>) {
  for (let i = 0; i < 100; i++) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("condition never held");
}

describe("DELETE of an upload while a PATCH to it streams", () => {
  it("the PATCH ends in 404, not 500, and the upload leaves nothing", async () => {
    const size = 20 * MIB;
    const created = await call("/inventory/binaries/uploads", {
      method: "POST",
      headers: { Authorization: alice, ...TUS, "Upload-Length": String(size), "Upload-Metadata": "filename Zi5iaW4=" },
    });
    const path = new URL(created.headers.get("Location")!).pathname;
    const id = path.split("/").pop();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const bytes = randomBytes(size, 3);
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(bytes.subarray(0, 6 * MIB));
        await gate;
        for (let at = 6 * MIB; at < size; at += MIB) controller.enqueue(bytes.subarray(at, at + MIB));
        controller.close();
      },
    });
    const patching = tusPatch(path, alice, body, size);
    // The first 5 MiB part is committed while the request still streams.
    await until(async () => {
      const row = await (await shardD1("t1"))
        .prepare("SELECT received FROM uploads WHERE id = ?")
        .bind(id)
        .first<{ received: number }>();
      return (row?.received ?? 0) > 0;
    });
    const deleted = await call(path, { method: "DELETE", headers: { Authorization: alice, ...TUS } });
    expect(deleted.status).toBe(204);
    release();
    const res = await patching;
    expect(res.status).toBe(404);
    expect(await countEverywhere("SELECT COUNT(*) AS n FROM uploads WHERE id = ?", id)).toBe(0);
    expect((await call(path, { method: "HEAD", headers: { Authorization: alice, ...TUS } })).status).toBe(404);
  });
});

describe("fragmentType with empty segments", () => {
  const names = ["a..b", ".", "a.", ".a", "..", "c8y_Firmware."];
  const paths = ["/inventory/managedObjects", "/inventory/managedObjects/count", "/inventory/binaries"];
  for (const path of paths) {
    it.each(names)(`${path}?fragmentType=%s is 422`, async (name) => {
      const res = await call(`${path}?fragmentType=${encodeURIComponent(name)}`, { headers: { Authorization: alice } });
      expect(res.status).toBe(422);
      expect((await res.json<any>()).error).toBe("inventory/Unprocessable Entity");
    });
  }

  it("a nested fragment name still works", async () => {
    const res = await call("/inventory/managedObjects?fragmentType=c8y_Firmware.version", {
      headers: { Authorization: alice },
    });
    expect(res.status).toBe(200);
    expect((await res.json<any>()).managedObjects.map((mo: any) => mo.name)).toEqual(["fw.bin"]);
  });
});
