import { useEffect, useRef, useState } from "preact/hooks";
import type { PreviousUpload } from "tus-js-client";
import { formatBytes, formatDuration, formatSpeed } from "../../client/format";
import type { UploadItem, UploadQueue } from "./upload-queue";

const STATE_LABEL: Record<UploadItem["state"], string> = {
  queued: "Waiting",
  uploading: "Uploading",
  paused: "Paused",
  failed: "Failed",
  done: "Done",
  canceled: "Canceled",
};

function useQueue(queue: UploadQueue): readonly UploadItem[] {
  const [items, setItems] = useState(queue.snapshot());
  useEffect(() => {
    setItems(queue.snapshot());
    return queue.subscribe(() => setItems(queue.snapshot()));
  }, [queue]);
  return items;
}

/** The drop zone, the file picker and one row per upload with its progress and actions. */
export function UploadPanel({
  queue,
  unfinished,
  onDiscard,
}: {
  queue: UploadQueue;
  unfinished: PreviousUpload[];
  onDiscard: (upload: PreviousUpload) => void;
}) {
  const items = useQueue(queue);
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const finished = items.some((item) => item.state === "done" || item.state === "canceled" || item.state === "failed");
  const doneCount = items.filter((item) => item.state === "done").length;
  // An upload this page runs (or holds paused) is not "from earlier": it has its own Cancel.
  const active = queue.activeUploadUrls();
  const earlier = unfinished.filter((upload) => !upload.uploadUrl || !active.has(upload.uploadUrl));

  // The whole window is a drop target while files are dragged over it.
  useEffect(() => {
    let depth = 0;
    const hasFiles = (event: DragEvent) => event.dataTransfer?.types.includes("Files") ?? false;
    const enter = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      depth++;
      setDragging(true);
    };
    const over = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
    };
    const leave = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const drop = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      depth = 0;
      setDragging(false);
      const files = event.dataTransfer?.files;
      if (files?.length) queue.add(Array.from(files));
    };
    window.addEventListener("dragenter", enter);
    window.addEventListener("dragover", over);
    window.addEventListener("dragleave", leave);
    window.addEventListener("drop", drop);
    return () => {
      window.removeEventListener("dragenter", enter);
      window.removeEventListener("dragover", over);
      window.removeEventListener("dragleave", leave);
      window.removeEventListener("drop", drop);
    };
  }, [queue]);

  // Leaving (closing, reloading) while uploads run asks first.
  useEffect(() => {
    const warn = (event: BeforeUnloadEvent) => {
      if (!queue.busy()) return;
      event.preventDefault();
      event.returnValue = "";
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [queue]);

  return (
    <section class="uploads" aria-labelledby="uploads-title">
      <h2 id="uploads-title" class="sr-only">
        Upload
      </h2>
      <div class={dragging ? "dropzone dragging" : "dropzone"}>
        <p>Drop files here, or</p>
        <label class="button primary">
          Choose files
          <input
            ref={input}
            type="file"
            multiple
            class="sr-only"
            data-testid="upload-input"
            onChange={(event) => {
              const files = event.currentTarget.files;
              if (files?.length) queue.add(Array.from(files));
              event.currentTarget.value = "";
            }}
          />
        </label>
      </div>
      {dragging && (
        <div class="drop-overlay" data-testid="drop-overlay" aria-hidden="true">
          <p>Drop the files anywhere to upload them</p>
        </div>
      )}

      {earlier.length > 0 && (
        <section class="unfinished" aria-label="Unfinished uploads">
          <p>Unfinished uploads from earlier. Choose the same file again to continue where it stopped:</p>
          <ul>
            {earlier.map((upload) => (
              <li key={upload.urlStorageKey}>
                <span>
                  {upload.metadata.filename ?? `replacement for binary ${upload.metadata.binaryId ?? "?"}`} (
                  {formatBytes(upload.size ?? 0)}, started {new Date(upload.creationTime).toLocaleString()})
                </span>
                <button type="button" onClick={() => onDiscard(upload)}>
                  Discard
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}

      {items.length > 0 && (
        // A scroll box of its own (styles.css): 32 finished uploads do not push the list down.
        <ul class="queue" aria-label="Uploads">
          {items.map((item) => (
            <UploadRow key={item.key} item={item} queue={queue} />
          ))}
        </ul>
      )}
      {finished && (
        <p class="done-summary">
          <span data-testid="done-count">
            {doneCount} of {items.length} {items.length === 1 ? "upload" : "uploads"} done.
          </span>{" "}
          <button type="button" class="link" onClick={() => queue.clearFinished()}>
            Clear finished uploads
          </button>
        </p>
      )}
    </section>
  );
}

function UploadRow({ item, queue }: { item: UploadItem; queue: UploadQueue }) {
  const percent = item.total > 0 ? Math.floor((item.sent / item.total) * 100) : 0;
  const title = item.kind === "replace" ? `${item.targetName} ← ${item.file.name}` : item.file.name;
  const label =
    item.kind === "replace" ? `Replacing ${item.targetName} with ${item.file.name}` : `Uploading ${item.file.name}`;
  return (
    <li class={`upload ${item.state}`} data-testid="upload-row" data-state={item.state} data-name={item.file.name}>
      <div class="upload-head">
        <span class="name">{title}</span>
        <span class="state">{STATE_LABEL[item.state]}</span>
      </div>
      <progress max={100} value={percent} aria-label={label} />
      <div class="upload-detail">
        <span data-testid="upload-percent">{percent} %</span>
        <span>
          {formatBytes(item.sent)} of {formatBytes(item.total)}
        </span>
        {item.state === "uploading" && (
          <>
            <span>{item.speed > 0 ? formatSpeed(item.speed) : "–"}</span>
            <span>{item.speed > 0 ? `${formatDuration(item.eta)} left` : ""}</span>
          </>
        )}
        {item.resumedFrom > 0 && <span>resumed at {formatBytes(item.resumedFrom)}</span>}
      </div>
      {item.error && (
        <p class="error" role="alert">
          {item.error}
        </p>
      )}
      <div class="actions">
        {item.state === "uploading" && (
          <button
            type="button"
            onClick={() => queue.pause(item.key)}
            aria-label={`Pause ${item.file.name}`}
            title={item.resumable ? undefined : "This upload restarts from the beginning when resumed"}
          >
            Pause
          </button>
        )}
        {item.state === "paused" && (
          <button type="button" onClick={() => queue.resume(item.key)} aria-label={`Resume ${item.file.name}`}>
            Resume
          </button>
        )}
        {item.state === "failed" && item.retryable && (
          <button type="button" onClick={() => queue.retry(item.key)} aria-label={`Retry ${item.file.name}`}>
            Retry
          </button>
        )}
        {(item.state === "queued" ||
          item.state === "uploading" ||
          item.state === "paused" ||
          item.state === "failed") && (
          <button
            type="button"
            onClick={() => void queue.cancel(item.key)}
            aria-label={`${item.state === "failed" ? "Dismiss" : "Cancel"} ${item.file.name}`}
          >
            {item.state === "failed" ? "Dismiss" : "Cancel"}
          </button>
        )}
      </div>
    </li>
  );
}
