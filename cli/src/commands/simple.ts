/** The one-request commands: get, rm, link, replace. */
import { basename } from "node:path";
import { errorOf } from "../../../client/errors";
import type { BinaryObject } from "../../../client/managed-object";
import type { CommandContext } from "../context";
import { fileSize, fileStream } from "../files";
import { startProgress } from "../progress";
import { InterruptedError } from "../usage-error";
import { viaTus } from "./upload";

export async function getCommand(ctx: CommandContext, id: string): Promise<void> {
  ctx.out(JSON.stringify(await ctx.client.get(id), null, 2));
}

/** Deletes every id given; reports each failure and fails if any did. */
export async function rmCommand(ctx: CommandContext, ids: string[], options: { ifMatch?: string }): Promise<void> {
  let failed = 0;
  for (const id of ids) {
    try {
      await ctx.client.remove(id, options.ifMatch);
      ctx.err(`deleted ${id}`);
    } catch (error) {
      failed++;
      ctx.err(`${id}: ${(error as Error).message}`);
    }
  }
  if (failed > 0) throw new Error(`${failed} of ${ids.length} binaries were not deleted.`);
}

export async function linkCommand(
  ctx: CommandContext,
  id: string,
  options: { expires?: number; json?: boolean },
): Promise<void> {
  const link = await ctx.client.createLink(id, options.expires);
  ctx.out(options.json ? JSON.stringify(link, null, 2) : link.url);
  if (link.expires && !options.json) ctx.err(`valid until ${link.expires}`);
}

/**
 * `replace ID FILE`: through the tus endpoint with the binary's id (resumable, docs/api.md §20),
 * or one streamed PUT (docs/api.md §6) against a server without it.
 */
export async function replaceCommand(
  ctx: CommandContext,
  id: string,
  path: string,
  options: { contentType?: string; ifMatch?: string; json?: boolean },
): Promise<void> {
  const { size } = await fileSize(path);
  if (await ctx.client.supportsTus()) {
    // Resumable like `upload`: Ctrl-C and the same command again continue where it stopped.
    const contentType = options.contentType ?? "application/octet-stream";
    const target = { name: basename(path), contentType, chunkSize: 10, binaryId: id, ifMatch: options.ifMatch };
    const object = await viaTus(ctx, path, size, target);
    ctx.out(options.json ? JSON.stringify(object, null, 2) : object.id);
    return;
  }
  let sent = 0;
  const progress = startProgress(`replace ${basename(path)}`, size, 0, ctx.progress);
  let object: BinaryObject;
  try {
    const headers: Record<string, string> = {
      "Content-Type": options.contentType ?? "application/octet-stream",
      Accept: "application/json",
      "Content-Length": String(size),
    };
    if (options.ifMatch) headers["If-Match"] = options.ifMatch;
    const response = await fetch(ctx.client.url(`inventory/binaries/${encodeURIComponent(id)}`), {
      method: "PUT",
      body: fileStream(path, (n) => {
        sent += n;
        progress.update(sent);
      }),
      duplex: "half",
      signal: ctx.interrupted,
      headers: ctx.client.headers(headers),
    } as RequestInit);
    if (!response.ok) throw await errorOf(response, "Replacing");
    object = (await response.json()) as BinaryObject;
  } catch (error) {
    if (ctx.interrupted.aborted)
      throw new InterruptedError(`Replace of ${id} interrupted; the binary keeps its previous bytes.`);
    throw error;
  } finally {
    progress.stop();
  }
  ctx.out(options.json ? JSON.stringify(object, null, 2) : object.id);
}
