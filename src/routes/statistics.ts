import { Hono } from "hono";
import { USAGE_SUMMARY_MEDIA_TYPE } from "../c8y/media-types";
import { offsetOf, parsePaging } from "../c8y/paging";
import { READ_BINARIES, Roles } from "../c8y/roles";
import { tenantSummaryJson, usageSummaryJson } from "../c8y/usage-json";
import type { AppEnv } from "../env";
import { readTopology } from "../shards/topology";
import { allTenantsUsage, tenantUsage, usageDrift } from "../tenants/usage";
import { c8yJson, rejectOtherMethods } from "./context";
import { requireAnyRole } from "./middleware";

/** /tenant/statistics (docs/api.md#usage-and-quotas): the platform's usage summary, exact as of the last write. */
export const statisticsRoutes = new Hono<AppEnv>();

/** Who may read a summary: readers of its binaries (ROLE_INVENTORY_READ, as on the platform), tenant managers. */
const READ_STATISTICS = [...READ_BINARIES, Roles.tenantManagementRead, Roles.tenantManagementAdmin];

const today = () => new Date().toISOString().slice(0, 10);

/** GET /tenant/statistics/summary[?tenant=id]: the caller's tenant; another one only for the management tenant. */
statisticsRoutes.get("/summary", requireAnyRole(...READ_STATISTICS), async (c) => {
  const usage = await tenantUsage(readTopology(c.env), c.var.db, c.var.principal, c.req.query("tenant"));
  return c8yJson(c, usageSummaryJson(usage, today()), USAGE_SUMMARY_MEDIA_TYPE);
});

/** GET /tenant/statistics/allTenantsSummary: every tenant's summary, for platform readers (a JSON array). */
statisticsRoutes.get("/allTenantsSummary", async (c) => {
  const paging = parsePaging((name) => c.req.query(name));
  const page = { limit: paging.pageSize, offset: offsetOf(paging) };
  const rows = await allTenantsUsage(readTopology(c.env), c.var.principal, page);
  const day = today();
  return c8yJson(
    c,
    rows.map(({ tenant, usage }) => tenantSummaryJson(tenant, usage, day)),
    "application/json",
  );
});

/**
 * GET /tenant/statistics/usageCheck[?tenant=id]: the consistency check, for platform admins. Recomputes
 * usage from the rows (a scan: run it by hand, not per request); `{"drift": []}` when all agree.
 */
statisticsRoutes.get("/usageCheck", async (c) => {
  const drift = await usageDrift(readTopology(c.env), c.var.principal, c.req.query("tenant"));
  return c8yJson(c, { drift }, "application/json");
});

statisticsRoutes.all("/summary", rejectOtherMethods("GET"));
statisticsRoutes.all("/allTenantsSummary", rejectOtherMethods("GET"));
statisticsRoutes.all("/usageCheck", rejectOtherMethods("GET"));
