// Long because: the page's state (list, view in the URL, selection, dialogs, uploads) is one component; what
// it renders lives in files-table, dialogs, upload-panel and link-dialog.
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { PreviousUpload } from "tus-js-client";
import type { BinariesClient, Page } from "../../client/api";
import { describeError } from "../../client/errors";
import { formatBytes } from "../../client/format";
import { type BinaryObject, etagOf } from "../../client/managed-object";
import { ConfirmDeleteDialog, EditDialog, PreviewDialog } from "./dialogs";
import { downloadBinary, downloadZip } from "./download";
import { FilesTable, type Sort, type SortField } from "./files-table";
import { LinkDialog } from "./link-dialog";
import type { Session } from "./session";
import { UploadPanel } from "./upload-panel";
import { discardUnfinished, UploadQueue, unfinishedUploads } from "./upload-queue";

const PAGE_SIZES = [10, 25, 50, 100];

type Dialog =
  | { kind: "preview"; object: BinaryObject }
  | { kind: "edit"; object: BinaryObject }
  | { kind: "delete"; objects: BinaryObject[] }
  | { kind: "link"; object: BinaryObject };

interface Query {
  text: string;
  type: string;
  sort?: Sort;
  pageSize: number;
  currentPage: number;
}

/** A files page opens with the latest change first (the API's own default order stays by id). */
const DEFAULT_SORT: Sort = { field: "lastUpdated", direction: "desc" };
const SORT_FIELDS: SortField[] = ["name", "type", "length", "owner", "lastUpdated"];

/**
 * What the type filter matches: types containing the typed text, or, when it has a `*` of its own,
 * that pattern (`c8y_*`, `*ware`); case-sensitive, as the server's query language compares.
 */
export function typePatternOf(typed: string): string | undefined {
  if (typed === "") return undefined;
  return typed.includes("*") ? typed : `*${typed}*`;
}

/** The view from the address bar (?q=…&type=…&sort=name-asc&page=2&size=50), so a reload or a shared URL keeps it. */
export function queryFromUrl(search: string): Query {
  const params = new URLSearchParams(search);
  const [field, direction] = (params.get("sort") ?? "").split("-");
  const sort =
    SORT_FIELDS.includes(field as SortField) && (direction === "asc" || direction === "desc")
      ? { field: field as SortField, direction: direction as "asc" | "desc" }
      : DEFAULT_SORT;
  const size = Number(params.get("size"));
  const page = Number(params.get("page"));
  return {
    text: params.get("q") ?? "",
    type: params.get("type") ?? "",
    sort,
    pageSize: PAGE_SIZES.includes(size) ? size : 25,
    currentPage: Number.isInteger(page) && page > 1 ? page : 1,
  };
}

function urlOf(query: Query): string {
  const params = new URLSearchParams();
  if (query.text) params.set("q", query.text);
  if (query.type) params.set("type", query.type);
  const sort = query.sort ?? DEFAULT_SORT;
  if (sort.field !== DEFAULT_SORT.field || sort.direction !== DEFAULT_SORT.direction)
    params.set("sort", `${sort.field}-${sort.direction}`);
  if (query.currentPage > 1) params.set("page", String(query.currentPage));
  if (query.pageSize !== 25) params.set("size", String(query.pageSize));
  const search = params.toString();
  return `${location.pathname}${search ? `?${search}` : ""}${location.hash}`;
}

export function FilesPage({
  client,
  session,
  onLogout,
}: {
  client: BinariesClient;
  session: Session;
  onLogout: () => void;
}) {
  const [query, setQuery] = useState<Query>(() => queryFromUrl(location.search));
  const [searchText, setSearchText] = useState(query.text);
  const [typeText, setTypeText] = useState(query.type);
  const [page, setPage] = useState<Page | undefined>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState("");
  const [status, setStatus] = useState("");
  // Selected files across pages, with their objects (the count and the actions cover all of them).
  const [selection, setSelection] = useState<ReadonlyMap<string, BinaryObject>>(new Map());
  const selected = useMemo(() => new Set(selection.keys()), [selection]);
  const [dialog, setDialog] = useState<Dialog | undefined>();
  const [knownTypes, setKnownTypes] = useState<ReadonlySet<string>>(new Set());
  const [tus, setTus] = useState<boolean | undefined>();
  const [unfinished, setUnfinished] = useState<PreviousUpload[]>([]);
  const [reloads, setReloads] = useState(0);
  const [usage, setUsage] = useState<{ usedBytes: number; storageQuota: number | null } | undefined>();
  const replaceTarget = useRef<BinaryObject | undefined>(undefined);
  const replaceInput = useRef<HTMLInputElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  // After the login, focus starts at the page's heading (not <body>).
  useEffect(() => heading.current?.focus(), []);

  // The view lives in the address bar.
  useEffect(() => {
    const url = urlOf(query);
    if (url !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(null, "", url);
  }, [query]);

  const reload = useCallback(() => setReloads((n) => n + 1), []);

  useEffect(() => {
    void client.supportsTus().then(setTus);
    void unfinishedUploads().then(setUnfinished);
  }, [client]);

  const queue = useMemo(
    () =>
      tus === undefined
        ? undefined
        : new UploadQueue({
            client,
            tus,
            onStored: (item) => {
              setStatus(
                item.kind === "replace"
                  ? `${item.targetName} replaced by ${item.file.name}.`
                  : `${item.file.name} uploaded.`,
              );
              void unfinishedUploads().then(setUnfinished);
              reload();
            },
            // A replace refused (412) or failed: the list shows what the server has now.
            onFailed: () => reload(),
          }),
    [client, tus, reload],
  );

  // The list: reloaded whenever the query changes or something was written.
  useEffect(() => {
    const { text, type, sort, pageSize, currentPage } = query;
    let current = true;
    setLoading(true);
    client
      .list({
        text,
        typePattern: typePatternOf(type),
        pageSize,
        currentPage,
        orderBy: sort ? `${sort.field} ${sort.direction}` : undefined,
      })
      .then((next) => {
        if (!current) return;
        setPage(next);
        setError("");
        setKnownTypes((types) => new Set([...types, ...next.items.map((item) => item.type)]));
        if (next.items.length === 0 && currentPage > 1) setQuery((q) => ({ ...q, currentPage: q.currentPage - 1 }));
      })
      .catch((err: unknown) => current && setError(describeError(err)))
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
  }, [client, query, reloads]);

  // The tenant's storage use (and quota), refreshed whenever the list is: after every upload, replace, delete.
  useEffect(() => {
    let current = true;
    client
      .usage()
      .then((next) => current && setUsage(next))
      .catch(() => current && setUsage(undefined));
    return () => {
      current = false;
    };
  }, [client, reloads]);

  // Search and the type filter apply as you type, once typing pauses.
  useEffect(() => {
    const timer = setTimeout(() => {
      const text = searchText.trim();
      const type = typeText.trim();
      setQuery((q) => (q.text === text && q.type === type ? q : { ...q, text, type, currentPage: 1 }));
    }, 300);
    return () => clearTimeout(timer);
  }, [searchText, typeText]);

  const items = page?.items ?? [];
  const selectedObjects = [...selection.values()];
  const filtered = query.text !== "" || query.type !== "";

  const run = async (what: () => Promise<void>) => {
    try {
      await what();
    } catch (err) {
      setError(describeError(err));
    }
  };

  const actions = {
    preview: (object: BinaryObject) => setDialog({ kind: "preview", object }),
    download: (object: BinaryObject) =>
      run(async () => {
        await downloadBinary(client, object);
        setStatus(`Downloading ${object.name}.`);
      }),
    replace: (object: BinaryObject) => {
      replaceTarget.current = object;
      replaceInput.current?.click();
    },
    edit: (object: BinaryObject) => setDialog({ kind: "edit", object }),
    link: (object: BinaryObject) => setDialog({ kind: "link", object }),
    remove: (object: BinaryObject) => setDialog({ kind: "delete", objects: [object] }),
  };

  const totals =
    page?.totalElements !== undefined ? `${page.totalElements} ${page.totalElements === 1 ? "file" : "files"}` : "";

  return (
    <div class="app">
      <header class="top">
        <h1 ref={heading} tabIndex={-1}>
          Files
        </h1>
        <a class="docs-link" href="/docs/" target="_blank" rel="noopener">
          API docs
        </a>
        <span class="who">
          {session.user}
          {session.tenant ? ` @ ${session.tenant}` : ""}
        </span>
        {usage && <StorageUse usage={usage} />}
        <button type="button" onClick={onLogout}>
          Log out
        </button>
      </header>

      <main>
        <div role="status" aria-live="polite" class="status">
          {status}
        </div>
        {error && (
          <div role="alert" class="error banner">
            <span>{error}</span>
            <button type="button" class="icon" aria-label="Dismiss the error" onClick={() => setError("")}>
              ×
            </button>
          </div>
        )}

        {queue ? (
          <UploadPanel
            queue={queue}
            unfinished={unfinished}
            onDiscard={(upload) =>
              void discardUnfinished(client, upload).then(() => unfinishedUploads().then(setUnfinished))
            }
          />
        ) : (
          <p>Checking the upload protocol…</p>
        )}

        <search>
          <form class="toolbar" onSubmit={(event) => event.preventDefault()}>
            <label>
              Search
              <input
                type="search"
                name="text"
                value={searchText}
                onInput={(event) => setSearchText(event.currentTarget.value)}
              />
            </label>
            <label>
              Type
              <input
                name="type"
                list="known-types"
                value={typeText}
                placeholder="any (part of a type, or c8y_*)"
                onInput={(event) => setTypeText(event.currentTarget.value)}
              />
              <datalist id="known-types">
                {[...knownTypes].sort().map((type) => (
                  <option key={type} value={type} />
                ))}
              </datalist>
            </label>
            <label>
              Per page
              <select
                name="pageSize"
                value={String(query.pageSize)}
                onChange={(event) =>
                  setQuery((q) => ({ ...q, pageSize: Number(event.currentTarget.value), currentPage: 1 }))
                }
              >
                {PAGE_SIZES.map((size) => (
                  <option key={size} value={String(size)}>
                    {size}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" onClick={reload}>
              Refresh
            </button>
            <button
              type="button"
              disabled={selectedObjects.length === 0}
              onClick={() =>
                run(async () => {
                  setStatus(`Preparing a zip of ${selectedObjects.length} files…`);
                  await downloadZip(client, selectedObjects);
                  setStatus(`Downloading ${selectedObjects.length} files as one zip.`);
                })
              }
            >
              Download selected ({selectedObjects.length})
            </button>
            <button
              type="button"
              class="danger"
              disabled={selectedObjects.length === 0}
              onClick={() => setDialog({ kind: "delete", objects: selectedObjects })}
            >
              Delete selected ({selectedObjects.length})
            </button>
          </form>
        </search>

        <FilesTable
          items={items}
          sort={query.sort}
          filtered={filtered}
          onSort={(sort) => setQuery((q) => ({ ...q, sort, currentPage: 1 }))}
          selected={selected}
          onSelect={(ids, on) =>
            setSelection((current) => {
              const next = new Map(current);
              for (const id of ids) {
                const object = items.find((item) => item.id === id);
                if (on && object) next.set(id, object);
                else next.delete(id);
              }
              return next;
            })
          }
          actions={actions}
          busy={loading}
        />

        <nav class="pager" aria-label="Pages">
          <button
            type="button"
            disabled={query.currentPage <= 1}
            onClick={() => setQuery((q) => ({ ...q, currentPage: q.currentPage - 1 }))}
          >
            Previous
          </button>
          <span aria-live="polite">
            Page {page?.currentPage ?? query.currentPage}
            {page?.totalPages !== undefined ? ` of ${Math.max(page.totalPages, 1)}` : ""}
            {totals ? ` · ${totals}` : ""}
          </span>
          <button
            type="button"
            disabled={!page?.hasNext}
            onClick={() => setQuery((q) => ({ ...q, currentPage: q.currentPage + 1 }))}
          >
            Next
          </button>
        </nav>
      </main>

      <input
        ref={replaceInput}
        type="file"
        class="sr-only"
        tabIndex={-1}
        aria-hidden="true"
        data-testid="replace-input"
        onChange={(event) => {
          const file = event.currentTarget.files?.[0];
          const target = replaceTarget.current;
          event.currentTarget.value = "";
          if (file && target && queue) queue.add([file], { id: target.id, name: target.name, ifMatch: etagOf(target) });
        }}
      />

      {dialog?.kind === "preview" && (
        <PreviewDialog
          client={client}
          object={dialog.object}
          onDownload={() => actions.download(dialog.object)}
          onClose={() => setDialog(undefined)}
        />
      )}
      {dialog?.kind === "edit" && (
        <EditDialog
          object={dialog.object}
          onClose={() => setDialog(undefined)}
          onSave={async (changes) => {
            await client.update(dialog.object.id, changes);
            setDialog(undefined);
            setStatus(`Saved ${changes.name}.`);
            reload();
          }}
        />
      )}
      {dialog?.kind === "delete" && (
        <ConfirmDeleteDialog
          objects={dialog.objects}
          onClose={() => setDialog(undefined)}
          onConfirm={async () => {
            const failures: string[] = [];
            for (const object of dialog.objects) {
              try {
                await client.remove(object.id);
              } catch (err) {
                failures.push(`${object.name}: ${describeError(err)}`);
              }
            }
            setSelection(
              (current) => new Map([...current].filter(([id]) => !dialog.objects.some((object) => object.id === id))),
            );
            setDialog(undefined);
            const deleted = dialog.objects.length - failures.length;
            setStatus(`Deleted ${deleted} ${deleted === 1 ? "file" : "files"}.`);
            if (failures.length) setError(`Not deleted: ${failures.join("; ")}`);
            reload();
          }}
        />
      )}
      {dialog?.kind === "link" && (
        <LinkDialog client={client} object={dialog.object} onClose={() => setDialog(undefined)} />
      )}
    </div>
  );
}

/** "1.2 MiB of 10 MiB used" with a meter, or "1.2 MiB used" without a quota (docs/api.md#usage-and-quotas). */
function StorageUse({ usage }: { usage: { usedBytes: number; storageQuota: number | null } }) {
  const { usedBytes, storageQuota } = usage;
  const text =
    storageQuota === null
      ? `${formatBytes(usedBytes)} used`
      : `${formatBytes(usedBytes)} of ${formatBytes(storageQuota)} used`;
  return (
    <span class="usage" title="Storage used by this tenant: stored files and unfinished uploads">
      {storageQuota !== null && (
        <meter min={0} max={Math.max(storageQuota, 1)} value={usedBytes} high={storageQuota * 0.9} aria-hidden="true" />
      )}
      <span data-testid="storage-use">{text}</span>
    </span>
  );
}
