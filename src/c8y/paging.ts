import { unprocessable } from "../errors";

const DEFAULT_PAGE_SIZE = 5;
const MAX_PAGE_SIZE = 2000;

/** Paging parameters of a collection request (docs/api.md#collection-and-paging). */
export interface Paging {
  pageSize: number;
  currentPage: number;
  withTotalPages: boolean;
  withTotalElements: boolean;
}

function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,15}$/.test(value.trim()) || Number(value) < 1) {
    throw unprocessable(`'${name}' must be a whole number of at least 1, not '${value}'.`);
  }
  return Number(value);
}

/** Reads and checks paging parameters: 422 for non-numeric or < 1 values; pageSize capped at 2000. */
export function parsePaging(query: (name: string) => string | undefined): Paging {
  return {
    pageSize: Math.min(positiveInteger("pageSize", query("pageSize"), DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE),
    currentPage: positiveInteger("currentPage", query("currentPage"), 1),
    withTotalPages: query("withTotalPages")?.toLowerCase() === "true",
    withTotalElements: query("withTotalElements")?.toLowerCase() === "true",
  };
}

/** The request URL with `pageSize` and `currentPage` set and every other parameter kept. */
function pageUrl(requestUrl: string, pageSize: number, page: number): string {
  const url = new URL(requestUrl);
  url.searchParams.set("pageSize", String(pageSize));
  url.searchParams.set("currentPage", String(page));
  return url.toString();
}

/** `self`, `next` and `prev` of a page; `next` only when a further page can exist. */
export function pageLinks(
  requestUrl: string,
  paging: Paging,
  hasNext: boolean,
): { self: string; next?: string; prev?: string } {
  const { pageSize, currentPage } = paging;
  return {
    self: pageUrl(requestUrl, pageSize, currentPage),
    ...(hasNext ? { next: pageUrl(requestUrl, pageSize, currentPage + 1) } : {}),
    ...(currentPage > 1 ? { prev: pageUrl(requestUrl, pageSize, currentPage - 1) } : {}),
  };
}

/**
 * A collection response body (docs/api.md#collection-and-paging): links, the page's items under `key`, and statistics.
 * `total` is given only when the request asked for totals; `next` then follows totalPages,
 * otherwise it is offered whenever the page is full.
 */
export function collectionBody(
  requestUrl: string,
  paging: Paging,
  key: string,
  items: unknown[],
  total: number | undefined,
): Record<string, unknown> {
  const totalPages = total === undefined ? undefined : Math.ceil(total / paging.pageSize);
  const hasNext = totalPages === undefined ? items.length === paging.pageSize : paging.currentPage < totalPages;
  return {
    ...pageLinks(requestUrl, paging, hasNext),
    [key]: items,
    statistics: {
      currentPage: paging.currentPage,
      pageSize: paging.pageSize,
      ...(paging.withTotalPages ? { totalPages } : {}),
      ...(paging.withTotalElements ? { totalElements: total } : {}),
    },
  };
}

/** Whether the request asked for a COUNT. */
export const wantsTotal = (paging: Paging) => paging.withTotalPages || paging.withTotalElements;

/** Rows to skip for the requested page. */
export const offsetOf = (paging: Paging) => (paging.currentPage - 1) * paging.pageSize;

/**
 * The same collection body as `collectionBody`, streamed: items arrive in batches and are written
 * as they come, so memory holds one batch whatever `pageSize` (docs/api.md#collection-and-paging). `first` is the
 * first batch, already read, so a failure before any byte is sent is still an ordinary error
 * response. The links and statistics follow the items (JSON key order does not matter), since
 * `next` depends on how many there were. A failure after the first batch ends the body early.
 */
export function collectionStream(
  requestUrl: string,
  paging: Paging,
  key: string,
  first: unknown[],
  rest: AsyncIterator<unknown[]>,
  total: number | undefined,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let count = 0;
  const items = (batch: unknown[]) => {
    const text = batch.map((item) => JSON.stringify(item)).join(",");
    const separator = count > 0 && batch.length > 0 ? "," : "";
    count += batch.length;
    return encoder.encode(separator + text);
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(`{${JSON.stringify(key)}:[`));
      controller.enqueue(items(first));
    },
    async pull(controller) {
      const next = await rest.next();
      if (!next.done) {
        controller.enqueue(items(next.value));
        return;
      }
      const { [key]: _items, ...meta } = collectionBody(requestUrl, paging, key, new Array(count), total);
      controller.enqueue(encoder.encode(`],${JSON.stringify(meta).slice(1)}`));
      controller.close();
    },
    async cancel() {
      await rest.return?.();
    },
  });
}
