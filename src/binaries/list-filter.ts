import type { Principal } from "../auth/principal";
import { parseIds } from "../c8y/ids";
import type { BinaryFilter } from "../db/binaries";
import { readsAll } from "./policy";

/** The query of GET /inventory/binaries, as hono exposes it. */
export interface ListQuery {
  one: (name: string) => string | undefined;
  all: (name: string) => string[] | undefined;
}

/**
 * The SQL filter for a list request, or undefined when nothing can match: a child filter (no
 * parent links exist for binaries yet) or, for a user without READ, another owner's name.
 * Without READ or ADMIN a user only ever sees what it owns (docs/api.md §7).
 */
export function binaryFilterFor(principal: Principal, query: ListQuery): BinaryFilter | undefined {
  const ids = parseIds(query.all("ids"));
  const owner = query.one("owner");
  if (["childAdditionId", "childAssetId", "childDeviceId"].some((name) => query.one(name) !== undefined))
    return undefined;
  if (!readsAll(principal) && owner !== undefined && owner !== principal.userName) return undefined;
  return {
    tenant: principal.tenant,
    type: query.one("type"),
    owner: readsAll(principal) ? owner : principal.userName,
    ids,
    text: query.one("text"),
  };
}
