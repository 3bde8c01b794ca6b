import { useEffect, useState } from "preact/hooks";
import type { BinariesClient } from "../../client/api";
import { describeError } from "../../client/errors";
import { formatBytes } from "../../client/format";
import type { BinaryObject } from "../../client/managed-object";
import { FileDetails } from "./file-details";
import { Modal } from "./modal";
import { loadPreview, type Preview } from "./preview";

export function ConfirmDeleteDialog({
  objects,
  onConfirm,
  onClose,
}: {
  objects: BinaryObject[];
  onConfirm: () => Promise<void>;
  onClose: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const title = objects.length === 1 ? `Delete "${objects[0]?.name}"?` : `Delete ${objects.length} files?`;
  return (
    <Modal title={title} onClose={onClose}>
      <p>This removes the {objects.length === 1 ? "file" : "files"} and cannot be undone.</p>
      {objects.length > 1 && (
        <ul class="names">
          {objects.map((object) => (
            <li key={object.id}>{object.name}</li>
          ))}
        </ul>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <footer>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          class="danger"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            try {
              await onConfirm();
            } catch (err) {
              setError(describeError(err));
              setBusy(false);
            }
          }}
        >
          {busy ? "Deleting…" : "Delete"}
        </button>
      </footer>
    </Modal>
  );
}

export function EditDialog({
  object,
  onSave,
  onClose,
}: {
  object: BinaryObject;
  onSave: (changes: { name: string; type: string }) => Promise<void>;
  onClose: () => void;
}) {
  const [name, setName] = useState(object.name);
  const [type, setType] = useState(object.type);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  return (
    <Modal title={`Edit "${object.name}"`} onClose={onClose}>
      <form
        class="dialog-form"
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          setError("");
          try {
            await onSave({ name: name.trim(), type: type.trim() });
          } catch (err) {
            setError(describeError(err));
            setBusy(false);
          }
        }}
      >
        <label>
          Name
          <input name="name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Type
          <input name="type" required value={type} onInput={(e) => setType(e.currentTarget.value)} />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <footer>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Saving…" : "Save"}
          </button>
        </footer>
      </form>
    </Modal>
  );
}

export function PreviewDialog({
  client,
  object,
  onDownload,
  onClose,
}: {
  client: BinariesClient;
  object: BinaryObject;
  onDownload: () => void;
  onClose: () => void;
}) {
  const [preview, setPreview] = useState<Preview | undefined>();
  const [error, setError] = useState("");
  useEffect(() => {
    const abort = new AbortController();
    let url: string | undefined;
    loadPreview(client, object, abort.signal)
      .then((loaded) => {
        if ("url" in loaded) url = loaded.url;
        setPreview(loaded);
      })
      .catch((err: unknown) => {
        if (!abort.signal.aborted) setError(describeError(err));
      });
    return () => {
      abort.abort();
      if (url) URL.revokeObjectURL(url);
    };
  }, [client, object]);

  return (
    <Modal title={object.name} onClose={onClose} wide>
      <p class="meta">
        {object.contentType} · {formatBytes(object.length)}
      </p>
      <div class="preview" aria-live="polite" aria-busy={!preview && !error}>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        {!preview && !error && <p>Loading preview…</p>}
        {preview?.kind === "image" && <img src={preview.url} alt={`Preview of ${object.name}`} />}
        {preview?.kind === "pdf" && <iframe src={preview.url} title={`Preview of ${object.name}`} />}
        {(preview?.kind === "text" || preview?.kind === "json") && <pre data-testid="text-preview">{preview.text}</pre>}
        {preview?.kind === "csv" && (
          <div class="csv">
            <table>
              <caption class="sr-only">First rows of {object.name}</caption>
              <tbody>
                {preview.rows.map((row, r) => (
                  <tr key={r}>{row.map((cell, c) => (r === 0 ? <th key={c}>{cell}</th> : <td key={c}>{cell}</td>))}</tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {preview?.kind === "none" && <p>{preview.reason}</p>}
        {preview && "truncated" in preview && preview.truncated && <p class="meta">Only the beginning is shown.</p>}
      </div>
      <FileDetails object={object} />
      <footer>
        <button type="button" onClick={onDownload}>
          Download
        </button>
        <button type="button" class="primary" onClick={onClose}>
          Close
        </button>
      </footer>
    </Modal>
  );
}
