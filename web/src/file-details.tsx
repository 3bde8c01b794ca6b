/** A file's details: its id, times, owner, digest and any custom fragments of its managed object. */
import { formatBytes } from "../../client/format";
import { type BinaryObject, md5HexOf } from "../../client/managed-object";

/** Properties every binary has (docs/api.md#the-managed-object-of-a-binary); everything else is a custom fragment. */
const STANDARD = new Set([
  "id",
  "self",
  "name",
  "type",
  "owner",
  "creationTime",
  "lastUpdated",
  "length",
  "contentType",
  "_attachments",
  "c8y_IsBinary",
  "childDevices",
  "childAssets",
  "childAdditions",
  "additionParents",
  "assetParents",
  "deviceParents",
]);

export function customFragments(object: BinaryObject): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([key]) => !STANDARD.has(key)));
}

const when = (iso: string) => <time dateTime={iso}>{new Date(iso).toLocaleString()}</time>;

export function FileDetails({ object }: { object: BinaryObject }) {
  const fragments = customFragments(object);
  return (
    <section class="details" aria-label="Details">
      <dl>
        <dt>ID</dt>
        <dd data-testid="detail-id">{object.id}</dd>
        <dt>Type</dt>
        <dd>{object.type || "–"}</dd>
        <dt>Media type</dt>
        <dd>{object.contentType}</dd>
        <dt>Size</dt>
        <dd>
          {formatBytes(object.length)} ({object.length.toLocaleString()} bytes)
        </dd>
        <dt>Owner</dt>
        <dd>{object.owner}</dd>
        <dt>Created</dt>
        <dd data-testid="detail-created">{when(object.creationTime)}</dd>
        <dt>Last update</dt>
        <dd>{when(object.lastUpdated)}</dd>
        <dt>MD5</dt>
        <dd>
          <code>{md5HexOf(object) || "–"}</code>
        </dd>
      </dl>
      {Object.keys(fragments).length > 0 && (
        <>
          <h3>Custom fragments</h3>
          <pre data-testid="detail-fragments">{JSON.stringify(fragments, null, 2)}</pre>
        </>
      )}
    </section>
  );
}
