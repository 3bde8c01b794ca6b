// Long because: one state machine per file (tus-js-client and the XHR fallback) with pause, resume, retry and
// cancel; its transitions are easier to check in one place.
/**
 * The page's upload queue: one entry per file, each with progress, speed and time left, and the
 * actions pause, resume, retry and cancel.
 *
 * Big files go through the tus resumable-upload endpoint with tus-js-client (the tus project's own
 * client): it sends the file in chunks, retries dropped connections, and remembers each upload's
 * URL in localStorage under a fingerprint of the file, so after a reload the same file picked
 * again continues where it stopped. A server without the tus endpoint gets one POST (create) or
 * PUT (replace) through XMLHttpRequest, whose upload events give progress; those cannot pause.
 */
import * as tus from "tus-js-client";
import type { BinariesClient } from "../../client/api";
import { ApiRequestError, describeError, errorOf } from "../../client/errors";
import { RateMeter } from "../../client/format";
import { etagOf } from "../../client/managed-object";

export type UploadState = "queued" | "uploading" | "paused" | "failed" | "done" | "canceled";

export interface UploadItem {
  readonly key: number;
  readonly file: File;
  /** "create" makes a new binary; "replace" swaps the bytes of `targetId`. */
  readonly kind: "create" | "replace";
  readonly targetId?: string;
  /** The name of the binary being replaced. */
  readonly targetName?: string;
  readonly ifMatch?: string;
  state: UploadState;
  sent: number;
  total: number;
  /** Bytes per second over the last seconds; 0 while unknown. */
  speed: number;
  /** Seconds left at the current speed; Infinity while unknown. */
  eta: number;
  /** Whether pause/resume keeps the bytes already sent (tus) or starts over (single request). */
  resumable: boolean;
  /** Bytes the server already had when this upload (re)started, e.g. after a reload. */
  resumedFrom: number;
  error?: string;
  /** False when trying again cannot help (412: the file changed; 403, 404, 413). */
  retryable: boolean;
}

/** Chunk of one PATCH: below the 100 MB request-body limit of Workers, a multiple of R2's 5 MiB parts. */
export const TUS_CHUNK_SIZE = 10 * 1024 * 1024;
/** Uploads running at once; the rest wait in the queue. */
const PARALLEL = 3;

interface Transfer {
  /** The server's URL of this upload once created (tus), to tell it from uploads of earlier visits. */
  url(): string | undefined;
  start(): void;
  pause(): void;
  cancel(): Promise<void>;
}

export interface QueueOptions {
  client: BinariesClient;
  /** Whether the server speaks tus; checked once after login. */
  tus: boolean;
  /** Called after each upload that created or replaced a binary. */
  onStored: (item: UploadItem) => void;
  /** Called after an upload failed (a refused replace: the list should show the current bytes). */
  onFailed?: (item: UploadItem) => void;
}

export class UploadQueue {
  private items: UploadItem[] = [];
  private transfers = new Map<number, Transfer>();
  private meters = new Map<number, RateMeter>();
  private listeners = new Set<() => void>();
  private nextKey = 1;

  constructor(private readonly options: QueueOptions) {}

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  snapshot(): readonly UploadItem[] {
    return this.items;
  }

  /** Whether an upload is waiting or sending: leaving the page would stop it. */
  busy(): boolean {
    return this.items.some((item) => item.state === "queued" || item.state === "uploading");
  }

  /** The server URLs of the uploads this page is running or holds paused: never offered for discarding. */
  activeUploadUrls(): Set<string> {
    const urls = new Set<string>();
    for (const item of this.items) {
      if (item.state !== "queued" && item.state !== "uploading" && item.state !== "paused") continue;
      const url = this.transfers.get(item.key)?.url();
      if (url) urls.add(url);
    }
    return urls;
  }

  add(files: Iterable<File>, target?: { id: string; name: string; ifMatch?: string }): void {
    for (const file of files) {
      this.items = [
        ...this.items,
        {
          key: this.nextKey++,
          file,
          kind: target ? "replace" : "create",
          targetId: target?.id,
          targetName: target?.name,
          ifMatch: target?.ifMatch,
          state: "queued",
          sent: 0,
          total: file.size,
          speed: 0,
          eta: Number.POSITIVE_INFINITY,
          resumable: this.options.tus,
          resumedFrom: 0,
          retryable: true,
        },
      ];
    }
    this.pump();
  }

  pause(key: number): void {
    const item = this.find(key);
    if (item?.state !== "uploading") return;
    this.transfers.get(key)?.pause();
    if (!item.resumable) {
      // A single request cannot continue: resuming starts it over.
      this.transfers.delete(key);
      this.update(key, { sent: 0 });
    }
    this.update(key, { state: "paused", speed: 0, eta: Number.POSITIVE_INFINITY });
    this.pump();
  }

  resume(key: number): void {
    const item = this.find(key);
    if (!item || (item.state !== "paused" && item.state !== "failed")) return;
    if (item.state === "failed" && !item.retryable) return;
    this.update(key, { state: "queued", error: undefined });
    this.pump();
  }

  /** A failed upload tried again (tus continues from the server's offset). */
  retry(key: number): void {
    this.resume(key);
  }

  async cancel(key: number): Promise<void> {
    const item = this.find(key);
    if (!item || item.state === "done" || item.state === "canceled") return;
    const transfer = this.transfers.get(key);
    this.transfers.delete(key);
    this.update(key, { state: "canceled", speed: 0 });
    this.pump();
    try {
      await transfer?.cancel();
    } catch {
      // the upload expires on the server anyway
    }
  }

  /** Removes finished, failed and canceled entries from the list. */
  clearFinished(): void {
    this.items = this.items.filter(
      (item) => item.state === "queued" || item.state === "uploading" || item.state === "paused",
    );
    this.emit();
  }

  private find(key: number): UploadItem | undefined {
    return this.items.find((item) => item.key === key);
  }

  private update(key: number, changes: Partial<UploadItem>): void {
    this.items = this.items.map((item) => (item.key === key ? { ...item, ...changes } : item));
    this.emit();
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }

  /** Starts queued uploads while fewer than PARALLEL run. */
  private pump(): void {
    let running = this.items.filter((item) => item.state === "uploading").length;
    for (const item of this.items) {
      if (running >= PARALLEL) break;
      if (item.state !== "queued") continue;
      running++;
      this.begin(item);
    }
  }

  private begin(item: UploadItem): void {
    const meter = this.meters.get(item.key) ?? new RateMeter();
    meter.reset();
    this.meters.set(item.key, meter);
    this.update(item.key, { state: "uploading", speed: 0, eta: Number.POSITIVE_INFINITY });
    let transfer = this.transfers.get(item.key);
    if (!transfer) {
      const events: TransferEvents = {
        progress: (sent, total) => {
          const speed = meter.sample(sent, performance.now());
          this.update(item.key, {
            sent,
            total,
            speed,
            eta: speed > 0 ? (total - sent) / speed : Number.POSITIVE_INFINITY,
          });
        },
        resumedAt: (offset) => this.update(item.key, { resumedFrom: offset, sent: offset }),
        success: () => {
          this.transfers.delete(item.key);
          this.update(item.key, { state: "done", sent: item.total, speed: 0, eta: 0 });
          const done = this.find(item.key);
          if (done) this.options.onStored(done);
          this.pump();
        },
        failure: (error) => {
          if (this.find(item.key)?.state !== "uploading") return; // paused or canceled meanwhile
          if (!item.resumable) this.transfers.delete(item.key);
          const status = error instanceof ApiRequestError ? error.status : 0;
          this.update(item.key, {
            state: "failed",
            error: describeError(error),
            speed: 0,
            retryable: ![403, 404, 412, 413].includes(status),
          });
          const failed = this.find(item.key);
          if (failed) this.options.onFailed?.(failed);
          this.pump();
        },
      };
      transfer = item.resumable
        ? tusTransfer(this.options.client, item, events)
        : requestTransfer(this.options.client, item, events);
      this.transfers.set(item.key, transfer);
      // A replace whose file changed meanwhile is refused before any byte is sent.
      const started = transfer;
      void this.stillCurrent(item).then(
        (current) => {
          if (current) started.start();
          else events.failure(new ApiRequestError(412, "inventory/Precondition Failed", "changed"));
        },
        (error: unknown) => events.failure(error),
      );
      return;
    }
    transfer.start();
  }

  /** For a replace with If-Match: whether the binary still has the bytes it was chosen with. */
  private async stillCurrent(item: UploadItem): Promise<boolean> {
    if (item.kind !== "replace" || !item.targetId || !item.ifMatch) return true;
    return etagOf(await this.options.client.get(item.targetId)) === item.ifMatch;
  }
}

interface TransferEvents {
  progress(sent: number, total: number): void;
  resumedAt(offset: number): void;
  success(): void;
  failure(error: unknown): void;
}

/**
 * The tus metadata (docs/api.md#resumable-uploads): for a new binary its name and type as the multipart `object`
 * part would carry them; for a replace the binary's id and the new bytes' media type (PUT semantics).
 */
function tusMetadata(item: UploadItem): Record<string, string> {
  const type = item.file.type || "application/octet-stream";
  if (item.kind === "replace" && item.targetId) return { binaryId: item.targetId, filetype: type };
  return { filename: item.file.name, filetype: type, type };
}

function tusTransfer(client: BinariesClient, item: UploadItem, events: TransferEvents): Transfer {
  let started = false;
  const upload = new tus.Upload(item.file, {
    endpoint: client.uploadsEndpoint,
    // If-Match on the creation makes the completion a conditional replace (412 when it changed).
    headers: client.headers(item.ifMatch ? { "If-Match": item.ifMatch } : {}),
    metadata: tusMetadata(item),
    // The same file as a new binary and as a replacement of binary N are different uploads.
    fingerprint: async (file, options) => {
      const target = [item.kind, item.targetId ?? "", item.ifMatch ?? ""].join("-");
      return `${await tus.defaultOptions.fingerprint(file, options)}-${target}`;
    },
    chunkSize: TUS_CHUNK_SIZE,
    retryDelays: [0, 1_000, 3_000, 5_000, 10_000],
    storeFingerprintForResuming: true,
    removeFingerprintOnSuccess: true,
    onProgress: (sent, total) => events.progress(sent, total),
    onSuccess: () => events.success(),
    // HEAD tells where a resumed upload continues: the page shows "resumed at N".
    onAfterResponse: (request, response) => {
      if (request.getMethod() === "HEAD") events.resumedAt(Number(response.getHeader("Upload-Offset") ?? 0));
    },
    onError: (error) => {
      // Read the answer before anything else: aborting resets the request it belongs to.
      const failure = tusError(error);
      // 412: the binary changed; this upload can never complete, so do not offer it for resuming.
      if ((error as tus.DetailedError).originalResponse?.getStatus() === 412) void forget(upload);
      void failure.then(events.failure);
    },
    // 4xx other than 409/423/429 will not get better by retrying (tus-js-client's own rule, plus 401).
    onShouldRetry: (error) => {
      const status = error.originalResponse?.getStatus() ?? 0;
      return status === 0 || status >= 500 || status === 409 || status === 423 || status === 429;
    },
  });
  return {
    url: () => upload.url ?? undefined,
    start() {
      if (started) {
        upload.start();
        return;
      }
      started = true;
      // The same file picked again after a reload: continue the upload stored for it.
      upload
        .findPreviousUploads()
        .then((previous) => {
          const latest = previous.sort((a, b) => Date.parse(b.creationTime) - Date.parse(a.creationTime))[0];
          if (latest) upload.resumeFromPreviousUpload(latest);
          upload.start();
        })
        .catch((error: unknown) => events.failure(error));
    },
    pause() {
      void upload.abort(false);
    },
    cancel() {
      return upload.abort(true);
    },
  };
}

/** Cancels an upload on the server and forgets it here (also when the server has dropped it already). */
async function forget(upload: tus.Upload): Promise<void> {
  await upload.abort(true).catch(() => {});
  const stored = await upload.findPreviousUploads().catch(() => []);
  for (const previous of stored) await tus.defaultOptions.urlStorage.removeUpload(previous.urlStorageKey);
}

/** The API's error message from a failed tus request, when the response carried one. */
async function tusError(error: Error): Promise<unknown> {
  const response = (error as tus.DetailedError).originalResponse;
  if (!response) return error;
  const status = response.getStatus();
  if (status < 200 || status > 599) return error;
  return await errorOf(
    new Response(response.getBody() || null, {
      status,
      headers: { "Retry-After": response.getHeader("Retry-After") ?? "" },
    }),
    "Uploading",
  );
}

/** One POST (create, multipart like the reference UI) or PUT (replace, raw bytes with If-Match). */
function requestTransfer(client: BinariesClient, item: UploadItem, events: TransferEvents): Transfer {
  let xhr: XMLHttpRequest | undefined;
  return {
    url: () => undefined,
    start() {
      const request = new XMLHttpRequest();
      xhr = request;
      const type = item.file.type || "application/octet-stream";
      let body: XMLHttpRequestBodyInit;
      if (item.kind === "replace" && item.targetId) {
        request.open("PUT", client.url(`inventory/binaries/${encodeURIComponent(item.targetId)}`));
        request.setRequestHeader("Content-Type", type);
        if (item.ifMatch) request.setRequestHeader("If-Match", item.ifMatch);
        body = item.file;
      } else {
        request.open("POST", client.url("inventory/binaries"));
        const form = new FormData();
        form.append("object", JSON.stringify({ name: item.file.name, type }));
        form.append("filesize", String(item.file.size));
        form.append("file", item.file, item.file.name);
        body = form;
      }
      for (const [name, value] of Object.entries(client.headers({ Accept: "application/json" })))
        request.setRequestHeader(name, value);
      // The request body may be larger than the file (multipart framing): report file bytes.
      request.upload.onprogress = (event) => {
        const share = event.lengthComputable && event.total > 0 ? event.loaded / event.total : 0;
        events.progress(Math.round(share * item.total), item.total);
      };
      request.onload = () => {
        if (request.status >= 200 && request.status < 300) events.success();
        else {
          const headers = { "Retry-After": request.getResponseHeader("Retry-After") ?? "" };
          void errorOf(
            new Response(request.responseText || null, { status: request.status, headers }),
            "Uploading",
          ).then(events.failure);
        }
      };
      request.onerror = () => events.failure(new Error("The connection to the server failed."));
      request.send(body);
    },
    pause() {
      xhr?.abort();
    },
    async cancel() {
      xhr?.abort();
    },
  };
}

/** Uploads this browser started earlier and did not finish (kept by tus-js-client in localStorage). */
export async function unfinishedUploads(): Promise<tus.PreviousUpload[]> {
  try {
    return await tus.defaultOptions.urlStorage.findAllUploads();
  } catch {
    return [];
  }
}

/** Forgets an unfinished upload here and cancels it on the server. */
export async function discardUnfinished(client: BinariesClient, previous: tus.PreviousUpload): Promise<void> {
  if (previous.uploadUrl) {
    try {
      await tus.Upload.terminate(previous.uploadUrl, { headers: client.headers() });
    } catch {
      // already gone or expired: forgetting it locally is all that is left
    }
  }
  await tus.defaultOptions.urlStorage.removeUpload(previous.urlStorageKey);
}
