/// <reference types="node" />
/**
 * A request body that breaks half-way over a real socket stores nothing: a PUT replace or a POST whose
 * client sends a Content-Length and closes the connection early, or a chunked body that ends without
 * its last chunk. The binary keeps its bytes, no binary appears. (Inside the vitest pool a body stream
 * that errors reaches the worker as a body that ended, so that case is only meaningful here, where
 * workerd reports "Network connection lost." to the worker; docs/api.md#consistency-between-r2-and-d1.)
 */
import { connect } from "node:net";
import { describe, expect, inject, it } from "vitest";

const base = inject("baseUrl");
const { hostname, port } = new URL(base);
const auth = `Basic ${Buffer.from("management/admin:admin").toString("base64")}`;
const MIB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends `head` and `chunks` on a raw socket, then closes it without finishing; the status line if any. */
function sendAndHangUp(head: string, chunks: Buffer[]): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let answer = "";
    socket.on("data", (data) => {
      answer += data.toString();
    });
    socket.on("error", () => undefined);
    socket.on("close", () => resolve(answer.split("\r\n")[0] ?? ""));
    socket.on("connect", async () => {
      socket.write(head);
      for (const chunk of chunks) {
        socket.write(chunk);
        await sleep(20);
      }
      await sleep(300);
      socket.destroy();
    });
  });
}

async function stored(): Promise<string> {
  const form = new FormData();
  form.append("object", JSON.stringify({ name: "broken.bin", type: "c8y_Test" }));
  form.append("file", new Blob(["original bytes\n"]), "broken.bin");
  const res = await fetch(`${base}/inventory/binaries`, {
    method: "POST",
    body: form,
    headers: { Authorization: auth, Accept: "application/json" },
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function total(): Promise<number> {
  const res = await fetch(`${base}/inventory/binaries?pageSize=1&withTotalElements=true`, {
    headers: { Authorization: auth, Accept: "application/json" },
  });
  return ((await res.json()) as { statistics: { totalElements: number } }).statistics.totalElements;
}

const chunked = (parts: Buffer[]) =>
  parts.map((part) => Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from("\r\n")]));

describe("a body that breaks half-way over a real socket stores nothing", () => {
  for (const [label, length, parts] of [
    ["100 kB", 100_000, [Buffer.alloc(50_000, 98)]],
    ["12 MiB (multipart to R2)", 12 * MIB, Array.from({ length: 7 }, () => Buffer.alloc(MIB, 98))],
  ] as const) {
    it(`PUT with Content-Length ${label}, closed half-way: the old bytes stay`, async () => {
      const id = await stored();
      await sendAndHangUp(
        `PUT /inventory/binaries/${id} HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\n` +
          `Content-Type: application/octet-stream\r\nContent-Length: ${length}\r\n\r\n`,
        [...parts],
      );
      await sleep(500);
      const res = await fetch(`${base}/inventory/binaries/${id}`, { headers: { Authorization: auth } });
      expect(await res.text()).toBe("original bytes\n");
    });

    it(`PUT chunked ${label}, closed before the last chunk: the old bytes stay`, async () => {
      const id = await stored();
      await sendAndHangUp(
        `PUT /inventory/binaries/${id} HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\n` +
          "Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n",
        chunked([...parts]),
      );
      await sleep(500);
      const res = await fetch(`${base}/inventory/binaries/${id}`, { headers: { Authorization: auth } });
      expect(await res.text()).toBe("original bytes\n");
    });

    it(`POST form-data ${label}, closed half-way: no binary is created`, async () => {
      const before = await total();
      const boundary = "broken-boundary";
      const start = Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="object"\r\n\r\n` +
          `{"name":"never.bin","type":"c8y_Test"}\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="never.bin"\r\n` +
          "Content-Type: application/octet-stream\r\n\r\n",
      );
      await sendAndHangUp(
        `POST /inventory/binaries HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nAccept: application/json\r\n` +
          `Content-Type: multipart/form-data; boundary=${boundary}\r\n` +
          `Content-Length: ${start.length + length + 100}\r\n\r\n`,
        [start, ...parts],
      );
      await sleep(500);
      expect(await total()).toBe(before);
    });
  }
});
