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

  return (
    <section class="uploads" aria-labelledby="uploads-title">
      <h2 id="uploads-title" class="sr-only">
        Upload
      </h2>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: drop targets have no role; keyboards use the picker */}
      <div
        class={dragging ? "dropzone dragging" : "dropzone"}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(event) => {
          event.preventDefault();
          setDragging(false);
          const files = event.dataTransfer?.files;
          if (files?.length) queue.add(Array.from(files));
        }}
      >
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

      {unfinished.length > 0 && (
        <section class="unfinished" aria-label="Unfinished uploads">
          <p>Unfinished uploads from earlier. Choose the same file again to continue where it stopped:</p>
          <ul>
            {unfinished.map((upload) => (
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
        <ul class="queue" aria-label="Uploads">
          {items.map((item) => (
            <UploadRow key={item.key} item={item} queue={queue} />
          ))}
        </ul>
      )}
      {finished && (
        <button type="button" class="link" onClick={() => queue.clearFinished()}>
          Clear finished uploads
        </button>
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
