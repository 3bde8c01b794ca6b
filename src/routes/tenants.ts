import { type Context, Hono } from "hono";
import { TENANT_COLLECTION_MEDIA_TYPE, TENANT_MEDIA_TYPE } from "../c8y/media-types";
import { collectionBody, offsetOf, parsePaging, wantsTotal } from "../c8y/paging";
import { tenantJson } from "../c8y/user-json";
import type { AppEnv } from "../env";
import { readTopology } from "../shards/topology";
import { deletionRunningIn, startDeletionIn } from "../tenants/deletion";
import { moveStatus, recoverMove, type StartedMove, startMove } from "../tenants/move-start";
import { changeTenant, createTenantFromBody, getTenant, listSubtenants, removeTenant } from "../tenants/service";
import {
  c8yJson,
  c8yWritten,
  edgeCacheOf,
  originOf,
  readJsonObject,
  readOptionalJsonObject,
  rejectOtherMethods,
} from "./context";
import { requirePlatformRights } from "./middleware";

/**
 * /tenant/tenants: creating and removing tenants, for admins of the management tenant only
 * (docs/api.md#tenants-users-roles). The rules are tenants/service's; tenants live in shards (issue 19),
 * the list comes from the directory.
 */
export const tenantsRoutes = new Hono<AppEnv>();

tenantsRoutes.use("*", requirePlatformRights);

tenantsRoutes.get("/", async (c) => {
  const paging = parsePaging((name) => c.req.query(name));
  const page = { limit: paging.pageSize, offset: offsetOf(paging), withTotal: wantsTotal(paging) };
  const { rows, total } = await listSubtenants(readTopology(c.env), c.var.principal.tenant, page);
  const items = rows.map((row) => tenantJson(originOf(c), row));
  return c8yJson(c, collectionBody(c.req.url, paging, "tenants", items, total), TENANT_COLLECTION_MEDIA_TYPE);
});

tenantsRoutes.post("/", async (c) => {
  const deletionRunning = deletionRunningIn(c.env.DELETE_TENANT);
  const created = await createTenantFromBody(readTopology(c.env), await readJsonObject(c), deletionRunning);
  const { tenant, adminName, adminEmail } = created;
  const json = { ...tenantJson(originOf(c), tenant), adminName, adminEmail: adminEmail ?? undefined };
  return c8yWritten(c, json, TENANT_MEDIA_TYPE, 201, { Location: json.self });
});

tenantsRoutes.get("/:id", async (c) => {
  const row = await getTenant(readTopology(c.env), c.req.param("id"));
  return c8yJson(c, tenantJson(originOf(c), row), TENANT_MEDIA_TYPE);
});

/** docs/api.md#usage-and-quotas: `company`, `domain` and `storageQuota`, each only when present. */
tenantsRoutes.put("/:id", async (c) => {
  const row = await changeTenant(readTopology(c.env), c.req.param("id"), await readJsonObject(c));
  return c8yWritten(c, tenantJson(originOf(c), row), TENANT_MEDIA_TYPE, 200);
});

tenantsRoutes.delete("/:id", async (c) => {
  const edgeOf = (region: string) => edgeCacheOf(c, region);
  await removeTenant(readTopology(c.env), edgeOf, c.req.param("id"), startDeletionIn(c.env.DELETE_TENANT));
  return c.body(null, 204);
});

/** 202 with the started instance of a move (or of its resume or rollback) and where to follow it. */
function moveAccepted(c: Context<AppEnv>, tenant: string, started: StartedMove) {
  const { plan } = started;
  const self = `${originOf(c)}/tenant/tenants/${encodeURIComponent(tenant)}/move/${encodeURIComponent(started.id)}`;
  const body = {
    id: started.id,
    self,
    tenant,
    from: { shard: plan.fromShard, region: plan.fromRegion },
    to: { shard: plan.toShard, region: plan.toRegion },
    ...(started.rollback ? { rollback: true } : {}),
  };
  return c.json(body, 202, { Location: self });
}

/** Moves a tenant to another shard (docs/api.md#shards-and-regions): a Workflow does it; 202 with its id. */
tenantsRoutes.post("/:id/move", async (c) => {
  const id = c.req.param("id");
  const started = await startMove(readTopology(c.env), c.env.MOVE_TENANT, id, await readOptionalJsonObject(c));
  return moveAccepted(c, id, started);
});

/** A move whose instance ended errored: run again from where it stopped, or undo it (before the switch). */
for (const action of ["resume", "rollback"] as const) {
  tenantsRoutes.post(`/:id/move/:instance/${action}`, async (c) => {
    const id = c.req.param("id");
    const started = await recoverMove(readTopology(c.env), c.env.MOVE_TENANT, id, c.req.param("instance"), action);
    return moveAccepted(c, id, started);
  });
  tenantsRoutes.all(`/:id/move/:instance/${action}`, rejectOtherMethods("POST"));
}

/** The state of a move: `queued`, `running`, `complete`, `errored`, … (the Workflow instance's). */
tenantsRoutes.get("/:id/move/:instance", async (c) => {
  const topology = readTopology(c.env);
  return c.json(await moveStatus(topology, c.env.MOVE_TENANT, c.req.param("id"), c.req.param("instance")));
});

tenantsRoutes.all("/", rejectOtherMethods("GET, POST"));
tenantsRoutes.all("/:id/move", rejectOtherMethods("POST"));
tenantsRoutes.all("/:id/move/:instance", rejectOtherMethods("GET"));
tenantsRoutes.all("/:id", rejectOtherMethods("GET, PUT, DELETE"));
