/** What the tenants routes do, for /openapi.json (src/routes/openapi.ts pairs it with the router). */
import { TENANT_COLLECTION_MEDIA_TYPE, TENANT_MEDIA_TYPE } from "../c8y/media-types";
import { empty, errors, type Operation, ok, paging, path, schema } from "../c8y/openapi/describe";

export const tenantsApi: Record<string, Operation> = {
  "GET /tenant/tenants": {
    summary: "List tenants (platform admin)",
    tags: ["tenants"],
    parameters: paging,
    responses: {
      "200": ok("a page of tenants", TENANT_COLLECTION_MEDIA_TYPE, "TenantCollection"),
      ...errors(401, 403, 422),
    },
  },
  "POST /tenant/tenants": {
    summary: "Create a tenant with its first admin (platform admin)",
    tags: ["tenants"],
    requestBody: { required: true, content: { "application/json": { schema: schema("TenantInput") } } },
    responses: { "201": ok("the tenant", TENANT_MEDIA_TYPE, "Tenant"), ...errors(400, 401, 403, 409, 422) },
  },
  "GET /tenant/tenants/{id}": {
    summary: "A tenant (platform admin)",
    tags: ["tenants"],
    parameters: [path("id", "tenant id")],
    responses: { "200": ok("the tenant", TENANT_MEDIA_TYPE, "Tenant"), ...errors(401, 403, 404) },
  },
  "PUT /tenant/tenants/{id}": {
    summary: "Change a tenant's company, domain or storage quota (platform admin)",
    tags: ["tenants"],
    parameters: [path("id", "tenant id")],
    requestBody: { required: true, content: { "application/json": { schema: schema("TenantChange") } } },
    responses: { "200": ok("the tenant", TENANT_MEDIA_TYPE, "Tenant"), ...errors(400, 401, 403, 404, 422) },
  },
  "POST /tenant/tenants/{id}/move": {
    summary: "Move a tenant to another shard or region, as a Workflow (platform admin)",
    tags: ["tenants"],
    parameters: [path("id", "tenant id")],
    requestBody: { required: false, content: { "application/json": { schema: schema("TenantMoveInput") } } },
    responses: {
      "202": ok("the move, started", "application/json", "TenantMove"),
      ...errors(400, 401, 403, 404, 409, 422),
    },
  },
  "GET /tenant/tenants/{id}/move/{instance}": {
    summary: "The state of a tenant's move (platform admin)",
    tags: ["tenants"],
    parameters: [path("id", "tenant id"), path("instance", "the move's id, from its start")],
    responses: { "200": ok("the move", "application/json", "TenantMove"), ...errors(401, 403, 404) },
  },
  "POST /tenant/tenants/{id}/move/{instance}/resume": {
    summary: "Resume a move whose Workflow ended errored or was terminated: its next attempt (platform admin)",
    tags: ["tenants"],
    parameters: [path("id", "tenant id"), path("instance", "the stopped attempt's id")],
    responses: {
      "202": ok("the next attempt, started", "application/json", "TenantMove"),
      ...errors(401, 403, 404, 409),
    },
  },
  "POST /tenant/tenants/{id}/move/{instance}/rollback": {
    summary: "Roll back a stopped move that did not reach its switch: the tenant stays where it was (platform admin)",
    tags: ["tenants"],
    parameters: [path("id", "tenant id"), path("instance", "the stopped attempt's id")],
    responses: {
      "202": ok("the rollback, started", "application/json", "TenantMove"),
      ...errors(401, 403, 404, 409),
    },
  },
  "DELETE /tenant/tenants/{id}": {
    summary: "Delete a tenant with its users and binaries (platform admin)",
    tags: ["tenants"],
    parameters: [path("id", "tenant id")],
    responses: { "204": empty("deleted"), ...errors(401, 403, 404, 409) },
  },
};
