/**
 * `download ID [-o FILE]`: the bytes go to FILE.part while they arrive; FILE.part.json remembers
 * which binary and which version (ETag) they belong to. A rerun after an interruption asks for
 * the rest with `Range: bytes=<size of FILE.part>-` and `If-Range: <that ETag>`: the server
 * answers 206 with the rest while the binary is unchanged, or 200 with all of it when it was
 * replaced meanwhile (then the part file starts over). At the end the MD5 of the whole file is
 * checked against the binary's digest and FILE.part becomes FILE.
 */
import { createHash } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename } from "node:path";
import { base64ToHex } from "../../../client/credentials";
import { ApiRequestError } from "../../../client/errors";
import { etagOf, md5HexOf } from "../../../client/managed-object";
import type { CommandContext } from "../context";
import { startProgress } from "../progress";
import { InterruptedError, UsageError } from "../usage-error";

interface PartState {
  id: string;
  etag: string;
}

async function readPartState(path: string): Promise<PartState | undefined> {
  try {
    const state = JSON.parse(await readFile(path, "utf8")) as Partial<PartState>;
    return typeof state.id === "string" && typeof state.etag === "string"
      ? { id: state.id, etag: state.etag }
      : undefined;
  } catch {
    return undefined;
  }
}

/** The MD5 hex of our strong ETags (the quoted base64 MD5, docs/api.md#download-get-head); undefined for others. */
function md5HexOfEtag(etag: string): string | undefined {
  const match = /^"([A-Za-z0-9+/]{22}==)"$/.exec(etag);
  return match?.[1] ? base64ToHex(match[1]) : undefined;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** MD5 of what is already on disk, so the final check covers resumed downloads too. */
async function hashFile(path: string, hash: ReturnType<typeof createHash>): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

export async function downloadCommand(
  ctx: CommandContext,
  id: string,
  options: { output?: string; force?: boolean },
): Promise<void> {
  const object = await ctx.client.get(id);
  const output = options.output ?? (basename(object.name) || `binary-${id}`);
  const partPath = `${output}.part`;
  const statePath = `${output}.part.json`;
  if (existsSync(output) && !options.force)
    throw new UsageError(`${output} exists; pass --force to overwrite it or -o to choose another name.`);

  const state = await readPartState(statePath);
  let offset = state?.id === id ? await sizeOf(partPath) : 0;
  const etag = state?.id === id && offset > 0 ? state.etag : (etagOf(object) ?? "");

  let response: Response;
  try {
    response = await ctx.client.download(id, {
      range: offset > 0 ? `bytes=${offset}-` : undefined,
      ifRange: offset > 0 ? etag : undefined,
      signal: ctx.interrupted,
    });
  } catch (error) {
    // 416: the part file already holds every byte (interrupted between the last byte and the rename).
    if (error instanceof ApiRequestError && error.status === 416 && offset > 0)
      response = new Response(new Uint8Array(0), { status: 206 });
    else throw error;
  }
  if (response.status === 200) offset = 0; // not a range answer: the binary changed, start over
  const total = offset + Number(response.headers.get("Content-Length") ?? object.length - offset);
  const currentEtag = response.headers.get("ETag") ?? etag;
  await writeFile(
    statePath,
    JSON.stringify({ id, etag: response.status === 206 ? etag : currentEtag } satisfies PartState),
  );
  if (offset > 0) ctx.err(`Resuming the download of ${output} at ${offset} of ${total} bytes.`);

  const hash = createHash("md5");
  if (offset > 0) await hashFile(partPath, hash);
  const file = createWriteStream(partPath, { flags: offset > 0 ? "a" : "w" });
  const progress = startProgress(`download ${basename(output)}`, total, offset, ctx.progress);
  let received = offset;
  try {
    if (response.body) {
      for await (const chunk of response.body) {
        hash.update(chunk);
        received += chunk.byteLength;
        if (!file.write(chunk)) await once(file, "drain");
        progress.update(received);
      }
    }
  } catch (error) {
    if (ctx.interrupted.aborted)
      throw new InterruptedError(
        `Download of ${output} interrupted at ${received} bytes; run the same command again to resume.`,
      );
    throw new Error(
      `The download broke off at ${received} of ${total} bytes (${(error as Error).message}); ` +
        "run the same command again to resume.",
    );
  } finally {
    progress.stop();
    file.end();
    await once(file, "close");
  }

  // The bytes' version: the ETag the range was asked for (206), or the one of the full answer (200).
  const expected = md5HexOfEtag(response.status === 206 ? etag : currentEtag) ?? md5HexOf(object);
  const actual = hash.digest("hex");
  if (expected && actual !== expected) {
    await rm(partPath, { force: true });
    await rm(statePath, { force: true });
    throw new Error(
      `The downloaded bytes do not match the binary's MD5 (${actual} instead of ${expected}); ` +
        "the partial file was removed, please retry.",
    );
  }
  await rename(partPath, output);
  await rm(statePath, { force: true });
  ctx.out(output);
}

/**
 * `download ID ID … [-o FILE]`: one zip of all of them (GET /inventory/binaries/zip,
 * docs/api.md#several-binaries-as-one-zip), streamed to FILE.part and renamed when complete. Not resumable (the archive
 * is made anew on every request): an interrupted one is removed.
 */
export async function downloadZipCommand(
  ctx: CommandContext,
  ids: string[],
  options: { output?: string; force?: boolean },
): Promise<void> {
  const output = options.output ?? "binaries.zip";
  const partPath = `${output}.part`;
  if (existsSync(output) && !options.force)
    throw new UsageError(`${output} exists; pass --force to overwrite it or -o to choose another name.`);
  const response = await ctx.client.request(
    `inventory/binaries/zip?ids=${ids.join(",")}`,
    { signal: ctx.interrupted },
    "Downloading the zip",
  );
  const total = Number(response.headers.get("Content-Length") ?? 0);
  const file = createWriteStream(partPath);
  const progress = startProgress(`download ${basename(output)}`, total, 0, ctx.progress);
  let received = 0;
  try {
    if (response.body) {
      for await (const chunk of response.body) {
        received += chunk.byteLength;
        if (!file.write(chunk)) await once(file, "drain");
        progress.update(received);
      }
    }
    if (total > 0 && received !== total) throw new Error(`the server sent ${received} of ${total} bytes`);
  } catch (error) {
    file.destroy();
    await rm(partPath, { force: true });
    if (ctx.interrupted.aborted) throw new InterruptedError(`Download of ${output} interrupted; nothing was kept.`);
    throw new Error(`The zip broke off at ${received} of ${total} bytes (${(error as Error).message}); run it again.`);
  } finally {
    progress.stop();
  }
  file.end();
  await once(file, "close");
  await rename(partPath, output);
  ctx.out(output);
}
