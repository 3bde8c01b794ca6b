/** What the statistics routes do, for /openapi.json (src/routes/openapi.ts pairs it with the router). */
import { USAGE_SUMMARY_MEDIA_TYPE } from "../c8y/media-types";
import { errors, type Operation, ok, paging } from "../c8y/openapi/describe";

export const statisticsApi: Record<string, Operation> = {
  "GET /tenant/statistics/summary": {
    summary: "Usage of the caller's tenant (or of `tenant`, for platform readers)",
    tags: ["tenants"],
    parameters: [{ name: "tenant", in: "query", required: false, schema: { type: "string" } }],
    responses: {
      "200": ok("the usage summary", USAGE_SUMMARY_MEDIA_TYPE, "UsageSummary"),
      ...errors(401, 403, 404),
    },
  },
  "GET /tenant/statistics/allTenantsSummary": {
    summary: "Usage of every tenant (platform readers)",
    tags: ["tenants"],
    parameters: paging,
    responses: { "200": ok("one summary per tenant", "application/json", "TenantUsageSummaries"), ...errors(401, 403) },
  },
  "GET /tenant/statistics/usageCheck": {
    summary: "Recompute usage from the rows and list drift (platform admins)",
    tags: ["tenants"],
    parameters: [{ name: "tenant", in: "query", required: false, schema: { type: "string" } }],
    responses: { "200": ok("tenants whose kept usage differs", "application/json", "UsageCheck"), ...errors(401, 403) },
  },
};
