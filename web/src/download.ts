/**
 * Downloads for people. With signed links (POST /inventory/binaries/{id}/links) the browser
 * fetches the bytes itself, streaming to disk; without them the page fetches with credentials
 * (an <a href> cannot carry an Authorization header) and saves the blob.
 */
import type { BinariesClient } from "../../client/api";
import { ApiRequestError } from "../../client/errors";
import type { BinaryObject } from "../../client/managed-object";

/** Whether the server mints signed links; learned from the first attempt, then remembered. */
let linksAvailable: boolean | undefined;

function save(href: string, name: string): void {
  const anchor = document.createElement("a");
  anchor.href = href;
  anchor.download = name;
  anchor.rel = "noopener";
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
}

/** A signed link, or undefined when the server has no link endpoint (404/405). */
export async function signedLink(
  client: BinariesClient,
  id: string,
  expiresInSeconds?: number,
): Promise<string | undefined> {
  if (linksAvailable === false) return undefined;
  try {
    const link = await client.createLink(id, expiresInSeconds);
    linksAvailable = true;
    return link.url;
  } catch (error) {
    // No such route ("general/Not Found", or 405): an older server. A missing binary is "inventory/Not Found".
    const noRoute =
      error instanceof ApiRequestError &&
      (error.status === 405 || (error.status === 404 && error.code.startsWith("general/")));
    if (noRoute) {
      linksAvailable = false;
      return undefined;
    }
    throw error;
  }
}

export async function downloadBinary(client: BinariesClient, object: BinaryObject): Promise<void> {
  const link = await signedLink(client, object.id);
  if (link) {
    save(link, object.name);
    return;
  }
  const response = await client.download(object.id);
  const url = URL.createObjectURL(await response.blob());
  save(url, object.name);
  // Revoked later: the download may still be reading from it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** The link to share: a signed one when available, else the API URL (which needs credentials). */
export async function shareableLink(
  client: BinariesClient,
  object: BinaryObject,
): Promise<{ url: string; signed: boolean }> {
  const link = await signedLink(client, object.id);
  return link ? { url: link, signed: true } : { url: client.url(`inventory/binaries/${object.id}`), signed: false };
}

/**
 * Several files as one zip (GET /inventory/binaries/zip, docs/api.md#several-binaries-as-one-zip). Fetched with the
 * login (a plain link cannot carry it) and saved from a blob; Chromium keeps large blobs on disk.
 */
export async function downloadZip(client: BinariesClient, objects: readonly BinaryObject[]): Promise<void> {
  const ids = objects.map((object) => object.id).join(",");
  const response = await client.request(`inventory/binaries/zip?ids=${ids}`, {}, "Downloading the zip");
  const url = URL.createObjectURL(await response.blob());
  save(url, "files.zip");
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
