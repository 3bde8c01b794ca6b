import { useState } from "preact/hooks";
import { formatBytes } from "../../client/format";
import { type BinaryObject, md5HexOf } from "../../client/managed-object";

export type SortField = "name" | "type" | "length" | "owner" | "lastUpdated";
export interface Sort {
  field: SortField;
  direction: "asc" | "desc";
}

const COLUMNS: { field: SortField; label: string }[] = [
  { field: "name", label: "Name" },
  { field: "type", label: "Type" },
  { field: "length", label: "Size" },
  { field: "owner", label: "Owner" },
  { field: "lastUpdated", label: "Last update" },
];

export interface RowActions {
  preview(object: BinaryObject): void;
  download(object: BinaryObject): void;
  replace(object: BinaryObject): void;
  edit(object: BinaryObject): void;
  link(object: BinaryObject): void;
  remove(object: BinaryObject): void;
}

export function FilesTable({
  items,
  sort,
  filtered,
  onSort,
  selected,
  onSelect,
  actions,
  busy,
}: {
  items: BinaryObject[];
  sort: Sort | undefined;
  /** A search or type filter is active: an empty page says so. */
  filtered: boolean;
  onSort: (sort: Sort) => void;
  selected: ReadonlySet<string>;
  onSelect: (ids: string[], on: boolean) => void;
  actions: RowActions;
  busy: boolean;
}) {
  const allSelected = items.length > 0 && items.every((item) => selected.has(item.id));
  // On phones a card shows its actions behind a menu button (styles.css); one menu open at a time.
  const [openMenu, setOpenMenu] = useState<string | undefined>();
  return (
    <table class="files" aria-busy={busy}>
      <caption class="sr-only">Files; column headers sort the list</caption>
      <thead>
        <tr>
          <th scope="col" class="select">
            <input
              type="checkbox"
              aria-label="Select all files on this page"
              checked={allSelected}
              onChange={(event) =>
                onSelect(
                  items.map((item) => item.id),
                  event.currentTarget.checked,
                )
              }
            />
          </th>
          {COLUMNS.map(({ field, label }) => {
            const active = sort?.field === field;
            const next: Sort = { field, direction: active && sort?.direction === "asc" ? "desc" : "asc" };
            return (
              <th
                key={field}
                scope="col"
                class="sortable"
                aria-sort={active ? (sort?.direction === "asc" ? "ascending" : "descending") : "none"}
              >
                <button type="button" class="sort" onClick={() => onSort(next)}>
                  {label}
                  <span aria-hidden="true">{active ? (sort?.direction === "asc" ? " ▲" : " ▼") : ""}</span>
                </button>
              </th>
            );
          })}
          <th scope="col" class="md5">
            MD5
          </th>
          <th scope="col">
            <span class="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {items.length === 0 && (
          <tr>
            <td colSpan={8} class="empty">
              {busy ? "Loading…" : filtered ? "No files match the search or type filter." : "No files yet."}
            </td>
          </tr>
        )}
        {items.map((item) => {
          const md5 = md5HexOf(item);
          return (
            <tr
              key={item.id}
              data-testid="file-row"
              data-id={item.id}
              class={openMenu === item.id ? "menu-open" : undefined}
            >
              <td class="select">
                <input
                  type="checkbox"
                  aria-label={`Select ${item.name}`}
                  checked={selected.has(item.id)}
                  onChange={(event) => onSelect([item.id], event.currentTarget.checked)}
                />
              </td>
              <td class="name">
                <button type="button" class="link" onClick={() => actions.preview(item)} title="Preview">
                  {item.name}
                </button>
              </td>
              <td class="col-type">{item.type}</td>
              <td class="number" title={`${item.length} bytes`}>
                {formatBytes(item.length)}
              </td>
              <td class="col-owner">{item.owner}</td>
              <td class="col-date">
                <time dateTime={item.lastUpdated}>{new Date(item.lastUpdated).toLocaleString()}</time>
              </td>
              <td class="md5">
                <code title={md5}>{md5 ? `${md5.slice(0, 8)}…` : "–"}</code>
              </td>
              <td class="row-actions">
                <button
                  type="button"
                  class="menu-toggle"
                  aria-expanded={openMenu === item.id}
                  aria-label={`Actions for ${item.name}`}
                  onClick={() => setOpenMenu(openMenu === item.id ? undefined : item.id)}
                >
                  ⋯
                </button>
                <div class="actions">
                  <button type="button" onClick={() => actions.download(item)} aria-label={`Download ${item.name}`}>
                    Download
                  </button>
                  <button type="button" onClick={() => actions.replace(item)} aria-label={`Replace ${item.name}`}>
                    Replace
                  </button>
                  <button type="button" onClick={() => actions.edit(item)} aria-label={`Edit ${item.name}`}>
                    Edit
                  </button>
                  <button type="button" onClick={() => actions.link(item)} aria-label={`Copy link to ${item.name}`}>
                    Link
                  </button>
                  <button
                    type="button"
                    class="danger"
                    onClick={() => actions.remove(item)}
                    aria-label={`Delete ${item.name}`}
                  >
                    Delete
                  </button>
                </div>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
