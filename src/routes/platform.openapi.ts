/** What the platform routes do, for /openapi.json (src/routes/openapi.ts pairs it with the router). */
import { CURRENT_TENANT_MEDIA_TYPE, INVENTORY_API_MEDIA_TYPE, PLATFORM_API_MEDIA_TYPE } from "../c8y/media-types";
import { errors, type Operation, ok } from "../c8y/openapi/describe";

export const platformApi: Record<string, Operation> = {
  "GET /platform": {
    summary: "API descriptor: links of the inventory, user and tenant APIs",
    tags: ["descriptors"],
    responses: { "200": ok("the descriptor", PLATFORM_API_MEDIA_TYPE, "PlatformApi"), ...errors(401) },
  },
  "GET /inventory": {
    summary: "Inventory API descriptor",
    tags: ["descriptors"],
    responses: { "200": ok("the descriptor", INVENTORY_API_MEDIA_TYPE, "InventoryApi"), ...errors(401) },
  },
  "GET /tenant/currentTenant": {
    summary: "The caller's tenant",
    tags: ["tenants"],
    responses: { "200": ok("the tenant", CURRENT_TENANT_MEDIA_TYPE, "CurrentTenant"), ...errors(401, 429) },
  },
};
