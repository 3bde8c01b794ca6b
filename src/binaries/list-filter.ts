import type { Principal } from "../auth/principal";
import { parseIds } from "../c8y/ids";
import { parseInventoryQuery } from "../c8y/inventory-query";
import type { BinaryFilter } from "../db/binaries";
import { unprocessable } from "../errors";

export type { BinaryFilter };

import { orderOfQuery, whereHasFragment, whereOfQuery } from "./inventory-query-sql";
import { readsAll } from "./policy";

/** The query of GET /inventory/binaries, as hono exposes it. */
export interface ListQuery {
  one: (name: string) => string | undefined;
  all: (name: string) => string[] | undefined;
}

/**
 * The SQL filter for a list request, or undefined when nothing can match: a child filter (no
 * parent links exist for binaries yet) or, for a user without READ, another owner's name.
 * Without READ or ADMIN a user only ever sees what it owns (docs/api.md#tenants-users-roles).
 */
export function binaryFilterFor(principal: Principal, query: ListQuery): BinaryFilter | undefined {
  const ids = parseIds(query.all("ids"));
  const owner = query.one("owner");
  if (["childAdditionId", "childAssetId", "childDeviceId"].some((name) => query.one(name) !== undefined))
    return undefined;
  if (!readsAll(principal) && owner !== undefined && owner !== principal.userName) return undefined;
  const conditions = [];
  const fragmentType = query.one("fragmentType");
  if (fragmentType !== undefined) conditions.push(whereHasFragment(fragmentType));
  // `query` (docs/api.md#inventory-queries) is ANDed with the other filters; its $orderby sorts the page.
  const parsed = parseInventoryQuery(query.one("query") ?? "");
  if (parsed.filter) conditions.push(whereOfQuery(parsed.filter));
  // `q` is a device query: parsed for its errors, but a binary is never a device.
  const deviceQuery = query.one("q");
  if (deviceQuery !== undefined) {
    const parsedDeviceQuery = parseInventoryQuery(deviceQuery);
    if (parsedDeviceQuery.filter) whereOfQuery(parsedDeviceQuery.filter);
    return undefined;
  }
  const text = query.one("text");
  if (text !== undefined && text.length > MAX_TEXT_LENGTH) {
    throw unprocessable(`'text' may be at most ${MAX_TEXT_LENGTH} characters.`);
  }
  return {
    tenant: principal.tenant,
    type: query.one("type"),
    owner: readsAll(principal) ? owner : principal.userName,
    ids,
    text: text === "" ? undefined : text,
    conditions,
    orderBy: orderOfQuery(parsed.orderBy),
  };
}

/** Longest `text` search, in characters (docs/api.md#inventory-queries). */
const MAX_TEXT_LENGTH = 256;
