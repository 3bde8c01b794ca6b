/**
 * `upload FILE`: resumable through the tus endpoint with tus-js-client. Each upload's URL is kept
 * in a state file under a fingerprint of the file (path, size, mtime, server, name, type), so
 * after Ctrl-C, a crash or a dropped connection the same command continues from the server's
 * offset instead of starting over. Against a server without tus: one streamed POST.
 */

import { createReadStream } from "node:fs";
import { basename } from "node:path";
import { type DetailedError, defaultOptions, FileUrlStorage, type HttpResponse, Upload } from "tus-js-client";
import { errorOf } from "../../../client/errors";
import type { BinaryObject } from "../../../client/managed-object";
import type { CommandContext } from "../context";
import { ensureJsonFile, fileSize, fileStream } from "../files";
import { mediaTypeOf } from "../media-type";
import { startProgress } from "../progress";
import { uploadStateFile } from "../state-dir";
import { InterruptedError } from "../usage-error";
import { binaryIdOfTusResponse, tusFailure } from "./tus-result";

export interface UploadOptions {
  name?: string;
  type?: string;
  contentType?: string;
  /** MiB per PATCH request. */
  chunkSize: number;
  json?: boolean;
}

export async function uploadCommand(ctx: CommandContext, path: string, options: UploadOptions): Promise<void> {
  const { size } = await fileSize(path);
  const name = options.name ?? basename(path);
  // Like a browser's File.type: from the file's name, unless told.
  const contentType = options.contentType ?? mediaTypeOf(basename(path));
  const type = options.type ?? contentType;
  const object = (await tusAvailable(ctx))
    ? await viaTus(ctx, path, size, { name, type, contentType, chunkSize: options.chunkSize })
    : await viaPost(ctx, path, size, { name, type, contentType });
  ctx.out(options.json ? JSON.stringify(object, null, 2) : object.id);
}

/**
 * Whether the server speaks tus (OPTIONS answers Tus-Version). A server that cannot be reached is
 * an error here, not "no resumable endpoint": the fetch failure goes up with its cause.
 */
export async function tusAvailable(ctx: CommandContext): Promise<boolean> {
  const response = await fetch(ctx.client.uploadsEndpoint, {
    method: "OPTIONS",
    headers: ctx.client.headers(),
    signal: ctx.interrupted,
  });
  await response.body?.cancel();
  return response.ok && response.headers.has("Tus-Version");
}

/** What a tus upload becomes: a new binary (name, type) or new bytes for `binaryId`. */
export interface TusTarget {
  name: string;
  type?: string;
  contentType: string;
  chunkSize: number;
  /** Replace this binary (PUT semantics, docs/api.md#resumable-uploads); `ifMatch` is checked at creation and
   * completion. */
  binaryId?: string;
  ifMatch?: string;
}

export async function viaTus(ctx: CommandContext, path: string, size: number, meta: TusTarget): Promise<BinaryObject> {
  const stateFile = uploadStateFile();
  await ensureJsonFile(stateFile);
  let resumedAt = 0;
  let progress = startProgress(`upload ${meta.name}`, size, 0, ctx.progress);
  const urlStorage = new FileUrlStorage(stateFile);
  const lastResponse = await new Promise<HttpResponse>((resolve, reject) => {
    const upload = new Upload(createReadStream(path), {
      endpoint: ctx.client.uploadsEndpoint,
      headers: ctx.client.headers(meta.ifMatch ? { "If-Match": meta.ifMatch } : {}),
      metadata: meta.binaryId
        ? { binaryId: meta.binaryId, filetype: meta.contentType }
        : { filename: meta.name, filetype: meta.contentType, type: meta.type ?? meta.contentType },
      chunkSize: meta.chunkSize * 1024 * 1024,
      // About 10 s of retries, announced, then the resume hint: no long silent freeze.
      retryDelays: [0, 1_000, 3_000, 6_000],
      urlStorage,
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      // Another name, type or target for the same file is another upload.
      fingerprint: async (file, options) => {
        const target = [meta.name, meta.type, meta.binaryId ?? "", meta.ifMatch ?? ""].join("-");
        return `${await defaultOptions.fingerprint(file, options)}-${target}`;
      },
      onAfterResponse: (request, response) => {
        if (request.getMethod() === "HEAD" && response.getStatus() < 300) {
          resumedAt = Number(response.getHeader("Upload-Offset") ?? 0);
          progress.stop();
          ctx.err(`Resuming the earlier upload of ${path} at ${resumedAt} of ${size} bytes.`);
          progress = startProgress(`upload ${meta.name}`, size, resumedAt, ctx.progress);
        }
      },
      onProgress: (sent) => progress.update(sent),
      onSuccess: ({ lastResponse }) => resolve(lastResponse),
      onError: (error) => {
        // Read the answer before anything else: aborting resets the request it belongs to.
        const failure = tusFailure(error, ctx.client.baseUrl);
        // 412: the binary changed; this upload can never complete, so do not keep it for a rerun.
        if ((error as DetailedError).originalResponse?.getStatus() !== 412) {
          void failure.then(reject);
          return;
        }
        // Cancel it on the server (if still there) and forget it here before reporting.
        void upload
          .abort(true)
          .catch(() => {})
          .then(() => upload.findPreviousUploads())
          .then((stored) => Promise.all(stored.map((previous) => urlStorage.removeUpload(previous.urlStorageKey))))
          .catch(() => {})
          .then(() => failure.then(reject));
      },
      onShouldRetry: (error, attempt) => {
        const status = error.originalResponse?.getStatus() ?? 0;
        const retry =
          !ctx.interrupted.aborted &&
          (status === 0 || status >= 500 || status === 409 || status === 423 || status === 429);
        if (retry && status === 0) {
          progress.stop();
          ctx.err(`Lost the connection to the server; retrying (${attempt + 1} of 4)…`);
        }
        return retry;
      },
    });
    ctx.interrupted.addEventListener(
      "abort",
      () => {
        void upload
          .abort(false)
          .finally(() =>
            reject(new InterruptedError(`Upload of ${path} interrupted; run the same command again to resume.`)),
          );
      },
      { once: true },
    );
    upload
      .findPreviousUploads()
      .then((previous) => {
        const latest = previous.sort((a, b) => Date.parse(b.creationTime) - Date.parse(a.creationTime))[0];
        if (latest) upload.resumeFromPreviousUpload(latest);
        upload.start();
      })
      .catch(reject);
  }).finally(() => progress.stop());
  const id = binaryIdOfTusResponse(lastResponse);
  if (!id) throw new Error("The upload completed but the server did not name the binary it created.");
  return ctx.client.get(id);
}

/** Multipart POST as the reference UI sends it, the file streamed from disk. */
async function viaPost(
  ctx: CommandContext,
  path: string,
  size: number,
  meta: { name: string; type: string; contentType: string },
): Promise<BinaryObject> {
  ctx.err("The server has no resumable upload endpoint; sending one request (not resumable).");
  const boundary = `----c8y-binaries-${crypto.randomUUID()}`;
  const quoted = meta.name.replace(/"/g, "%22").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
  const encoder = new TextEncoder();
  const prefix = encoder.encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="object"\r\n\r\n` +
      `${JSON.stringify({ name: meta.name, type: meta.type })}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="filesize"\r\n\r\n${size}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quoted}"\r\n` +
      `Content-Type: ${meta.contentType}\r\n\r\n`,
  );
  const suffix = encoder.encode(`\r\n--${boundary}--\r\n`);
  let sent = 0;
  const progress = startProgress(`upload ${meta.name}`, size, 0, ctx.progress);
  try {
    const body = fileStream(
      path,
      (n) => {
        sent += n;
        progress.update(sent);
      },
      { prefix, suffix },
    );
    const response = await fetch(ctx.client.url("inventory/binaries"), {
      method: "POST",
      body,
      duplex: "half",
      signal: ctx.interrupted,
      headers: ctx.client.headers({
        "Content-Type": `multipart/form-data; boundary=${boundary}`,
        Accept: "application/json",
      }),
    } as RequestInit);
    if (!response.ok) throw await errorOf(response, "Uploading");
    return (await response.json()) as BinaryObject;
  } catch (error) {
    if (ctx.interrupted.aborted)
      throw new InterruptedError(`Upload of ${path} interrupted; this server cannot resume it.`);
    throw error;
  } finally {
    progress.stop();
  }
}
