/**
 * Request ids (docs/api.md#request-ids-logs-and-metrics). Every response carries one in
 * X-Request-Id, every error body in `details.requestId`, every log line and metric in `id`.
 *
 * An id sent by the client is kept only when the request comes from a trusted proxy (its address,
 * CF-Connecting-IP, is listed in REQUEST_ID_TRUSTED_PROXIES, or that setting is `*`) and the id is
 * harmless in a header and a log line; anything else gets a fresh id, so a client cannot make its
 * requests look like somebody else's in the logs.
 */

export const REQUEST_ID_HEADER = "X-Request-Id";

/** What a kept id may look like: short, printable, no spaces or quotes (W3C trace ids and UUIDs fit). */
const ACCEPTABLE = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** Which proxies' ids are kept: none, all (`*`), or a set of client addresses. */
export type TrustedProxies = "none" | "all" | ReadonlySet<string>;

/** Parses REQUEST_ID_TRUSTED_PROXIES: empty (none), `*` (every caller), or comma-separated addresses. */
export function parseTrustedProxies(value: string | undefined): TrustedProxies {
  const text = value?.trim() ?? "";
  if (text === "") return "none";
  if (text === "*") return "all";
  return new Set(
    text
      .split(",")
      .map((address) => address.trim().toLowerCase())
      .filter(Boolean),
  );
}

const parsed = new Map<string, TrustedProxies>();

/**
 * The id of a request: the incoming one when a trusted proxy sent an acceptable one, else a new UUID.
 * `trustedSetting` is REQUEST_ID_TRUSTED_PROXIES.
 */
export function requestIdFor(
  incoming: string | undefined,
  clientAddress: string | undefined,
  trustedSetting: string,
): string {
  let trusted = parsed.get(trustedSetting);
  if (!trusted) {
    trusted = parseTrustedProxies(trustedSetting);
    parsed.set(trustedSetting, trusted);
  }
  const id = incoming?.trim();
  if (id !== undefined && ACCEPTABLE.test(id) && isTrusted(clientAddress, trusted)) return id;
  return crypto.randomUUID();
}

function isTrusted(clientAddress: string | undefined, trusted: TrustedProxies): boolean {
  if (trusted === "all") return true;
  if (trusted === "none" || clientAddress === undefined) return false;
  return trusted.has(clientAddress.trim().toLowerCase());
}
