/**
 * Share a file: a signed link with an expiry the user chooses (1 hour, 1 day, 7 days or a date, up
 * to the server's maximum of 7 days, docs/api.md#signed-download-links), shown in local time, a copy button and a QR
 * code of the link for a phone or a device. The QR code is drawn in the page by uqr (unjs: small,
 * dependency-free, renders SVG; no external service sees the link). Rejected: qrcode (canvas and
 * Node-oriented, 10x the size), qrcode-generator (older API, GIF/table output).
 */
import { useEffect, useState } from "preact/hooks";
import { renderSVG } from "uqr";
import type { BinariesClient } from "../../client/api";
import { describeError } from "../../client/errors";
import type { BinaryObject } from "../../client/managed-object";
import { signedLink } from "./download";
import { Modal } from "./modal";

/** The server's longest link lifetime (docs/api.md#signed-download-links). */
export const MAX_LINK_SECONDS = 7 * 24 * 3600;

const CHOICES: { label: string; seconds: number }[] = [
  { label: "1 hour", seconds: 3600 },
  { label: "1 day", seconds: 86_400 },
  { label: "7 days (the longest)", seconds: MAX_LINK_SECONDS },
];

/** A `datetime-local` value (local time, minutes) for a moment. */
function localInputValue(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function untilWords(ms: number): string {
  const minutes = Math.round((ms - Date.now()) / 60_000);
  if (minutes < 90) return `in ${minutes} minute${minutes === 1 ? "" : "s"}`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `in ${hours} hour${hours === 1 ? "" : "s"}`;
  const days = Math.round(hours / 24);
  return `in ${days} day${days === 1 ? "" : "s"}`;
}

export function LinkDialog({
  client,
  object,
  onClose,
}: {
  client: BinariesClient;
  object: BinaryObject;
  onClose: () => void;
}) {
  const [choice, setChoice] = useState<string>("3600");
  const [date, setDate] = useState(() => localInputValue(Date.now() + 2 * 86_400_000));
  const [link, setLink] = useState<{ url: string; expires?: string; signed: boolean } | undefined>();
  const [error, setError] = useState("");
  const [copied, setCopied] = useState("");

  useEffect(() => {
    let current = true;
    // Computed here, not on every render: for "until a date" it depends on the clock, and a render a
    // second later (say, the one that shows "Copied") must not mint a new link and clear the status.
    const seconds =
      choice === "date" ? Math.round((new Date(date).getTime() - Date.now()) / 1000) : Number.parseInt(choice, 10);
    setCopied("");
    if (!Number.isFinite(seconds) || seconds < 60 || seconds > MAX_LINK_SECONDS) {
      setError("Choose a time between one minute and 7 days from now.");
      setLink(undefined);
      return;
    }
    setError("");
    signedLink(client, object.id, seconds)
      .then((url) => {
        if (!current) return;
        if (url) {
          const expires = new URL(url).searchParams.get("expires");
          setLink({ url, signed: true, expires: expires ? new Date(Number(expires) * 1000).toISOString() : undefined });
        } else {
          setLink({ url: client.url(`inventory/binaries/${object.id}`), signed: false });
        }
      })
      .catch((err: unknown) => current && setError(describeError(err)));
    return () => {
      current = false;
    };
  }, [client, object.id, choice, date]);

  const qr = link?.signed ? `data:image/svg+xml;charset=utf-8,${encodeURIComponent(renderSVG(link.url))}` : "";
  return (
    <Modal title={`Share "${object.name}"`} onClose={onClose}>
      <div class="link-dialog">
        <label>
          Valid for
          <select name="expiry" value={choice} onChange={(event) => setChoice(event.currentTarget.value)}>
            {CHOICES.map(({ label, seconds: s }) => (
              <option key={s} value={String(s)}>
                {label}
              </option>
            ))}
            <option value="date">Until a date…</option>
          </select>
        </label>
        {choice === "date" && (
          <label>
            Until
            <input
              type="datetime-local"
              name="expiry-date"
              value={date}
              min={localInputValue(Date.now() + 60_000)}
              max={localInputValue(Date.now() + MAX_LINK_SECONDS * 1000)}
              onChange={(event) => setDate(event.currentTarget.value)}
            />
          </label>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        {link && (
          <>
            <p data-testid="link-expiry">
              {link.signed && link.expires
                ? `Anyone with this link can download the file until ${new Date(link.expires).toLocaleString()} ` +
                  `(${untilWords(Date.parse(link.expires))}, your local time).`
                : "This server makes no signed links: this link needs the same login to download."}
            </p>
            <label>
              Link
              <input
                readOnly
                value={link.url}
                name="link"
                ref={(input) => {
                  input?.select();
                }}
              />
            </label>
            {qr && <img class="qr" src={qr} alt="QR code of the link" width={200} height={200} />}
          </>
        )}
        <p role="status">{copied}</p>
      </div>
      <footer>
        <button
          type="button"
          class="primary"
          disabled={!link}
          onClick={async () => {
            if (!link) return;
            try {
              await navigator.clipboard.writeText(link.url);
              setCopied("Copied to the clipboard.");
            } catch {
              setCopied("The browser refused the clipboard; select the link and copy it by hand.");
            }
          }}
        >
          Copy
        </button>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </footer>
    </Modal>
  );
}
