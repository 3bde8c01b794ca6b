/** The one-request commands: get, rm, link, replace. */
import { basename } from "node:path";
import { ApiRequestError, errorOf } from "../../../client/errors";
import { type BinaryObject, etagOf } from "../../../client/managed-object";
import type { CommandContext } from "../context";
import { fileSize, fileStream } from "../files";
import { mediaTypeOf } from "../media-type";
import { startProgress } from "../progress";
import { InterruptedError } from "../usage-error";
import { binaries } from "../words";
import { tusAvailable, viaTus } from "./upload";

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
  if (failed > 0) throw new Error(`${failed} of ${binaries(ids.length)} ${failed === 1 ? "was" : "were"} not deleted.`);
}

/** "in 1 hour", "in 7 days", "in 90 minutes": how long until `ms` from `now`. */
function inWords(ms: number, now = Date.now()): string {
  const minutes = Math.round((ms - now) / 60_000);
  const [n, unit] =
    minutes % 1440 === 0 && minutes >= 1440
      ? [minutes / 1440, "day"]
      : minutes % 60 === 0 && minutes >= 60
        ? [minutes / 60, "hour"]
        : [minutes, "minute"];
  return `in ${n} ${unit}${n === 1 ? "" : "s"}`;
}

/** The expiry as the user's local date and time, with its zone, and how far away it is. */
export function describeExpiry(iso: string, now = Date.now()): string {
  const at = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  const zone =
    new Intl.DateTimeFormat("en-US", { timeZoneName: "short" }).formatToParts(at).find((p) => p.type === "timeZoneName")
      ?.value ?? "local time";
  const local =
    `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ` +
    `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())} ${zone}`;
  return `valid until ${local} (${inWords(at.getTime(), now)}; ${at.toISOString()})`;
}

export async function linkCommand(
  ctx: CommandContext,
  id: string,
  options: { expires?: number; json?: boolean },
): Promise<void> {
  const link = await ctx.client.createLink(id, options.expires);
  ctx.out(options.json ? JSON.stringify(link, null, 2) : link.url);
  if (link.expires && !options.json) ctx.err(describeExpiry(link.expires));
}

/** An ETag as the server writes it (quoted); users often leave the quotes out. */
function quoted(etag: string): string {
  return /^(W\/)?".*"$/.test(etag) ? etag : `"${etag}"`;
}

/**
 * `replace ID FILE`: through the tus endpoint with the binary's id (resumable, docs/api.md#resumable-uploads),
 * or one streamed PUT (docs/api.md#replace-put) against a server without it.
 */
export async function replaceCommand(
  ctx: CommandContext,
  id: string,
  path: string,
  options: { contentType?: string; ifMatch?: string; json?: boolean },
): Promise<void> {
  const { size } = await fileSize(path);
  // Checked before any byte is sent: the binary exists, may be read, and still has the ETag given.
  const current = await ctx.client.get(id);
  const ifMatch = options.ifMatch === undefined ? undefined : quoted(options.ifMatch);
  if (ifMatch !== undefined && ifMatch !== "*" && ifMatch !== etagOf(current)) {
    throw new ApiRequestError(412, "inventory/Precondition Failed", `Its ETag is ${etagOf(current)}, not ${ifMatch}.`);
  }
  // The binary keeps its media type unless told otherwise (--content-type).
  const contentType = options.contentType ?? current.contentType ?? mediaTypeOf(basename(path));
  if (await tusAvailable(ctx)) {
    // Resumable like `upload`: Ctrl-C and the same command again continue where it stopped.
    const target = { name: basename(path), contentType, chunkSize: 10, binaryId: id, ifMatch };
    const object = await viaTus(ctx, path, size, target);
    ctx.out(options.json ? JSON.stringify(object, null, 2) : object.id);
    return;
  }
  let sent = 0;
  const progress = startProgress(`replace ${basename(path)}`, size, 0, ctx.progress);
  let object: BinaryObject;
  try {
    const headers: Record<string, string> = {
      "Content-Type": contentType,
      Accept: "application/json",
      "Content-Length": String(size),
    };
    if (ifMatch) headers["If-Match"] = ifMatch;
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
