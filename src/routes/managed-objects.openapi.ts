/** What the managed-objects routes do, for /openapi.json (src/routes/openapi.ts pairs it with the router). */
import { COLLECTION_MEDIA_TYPE, MANAGED_OBJECT_REFERENCE_COLLECTION_MEDIA_TYPE } from "../c8y/media-types";
import { empty, errors, id, managedObject, type Operation, ok, paging, query, schema } from "../c8y/openapi/describe";

export const managedObjectsApi: Record<string, Operation> = {
  "GET /inventory/managedObjects": {
    summary: "The tenant's binaries as inventory managed objects (fragmentType, type, owner, ids, text, query)",
    tags: ["managed objects"],
    parameters: [
      ...paging,
      query("fragmentType", "only objects with this fragment (c8y_IsBinary: all)"),
      query("type", "only this type"),
      query("owner", "only this owner"),
      query("ids", "comma-separated ids"),
      query("text", "text any string property contains"),
      query("query", "inventory query language: $filter=… $orderby=… (docs/api.md#inventory-queries)"),
    ],
    responses: {
      "200": ok("a page of managed objects", COLLECTION_MEDIA_TYPE, "ManagedObjectCollection"),
      ...errors(401, 422),
    },
  },
  "GET /inventory/managedObjects/count": {
    summary: "How many managed objects the same filters select",
    tags: ["managed objects"],
    responses: {
      "200": { description: "the count", content: { "application/json": { schema: { type: "integer", minimum: 0 } } } },
      ...errors(401, 422),
    },
  },
  "GET /inventory/managedObjects/{id}/childAdditions": {
    summary: "childAdditions: always empty (binaries have no parent or child links)",
    tags: ["managed objects"],
    parameters: [id, ...paging],
    responses: {
      "200": ok("an empty reference collection", MANAGED_OBJECT_REFERENCE_COLLECTION_MEDIA_TYPE, "ReferenceCollection"),
      ...errors(401, 403, 404),
    },
  },
  "GET /inventory/managedObjects/{id}/childAssets": {
    summary: "childAssets: always empty (binaries have no parent or child links)",
    tags: ["managed objects"],
    parameters: [id, ...paging],
    responses: {
      "200": ok("an empty reference collection", MANAGED_OBJECT_REFERENCE_COLLECTION_MEDIA_TYPE, "ReferenceCollection"),
      ...errors(401, 403, 404),
    },
  },
  "GET /inventory/managedObjects/{id}/childDevices": {
    summary: "childDevices: always empty (binaries have no parent or child links)",
    tags: ["managed objects"],
    parameters: [id, ...paging],
    responses: {
      "200": ok("an empty reference collection", MANAGED_OBJECT_REFERENCE_COLLECTION_MEDIA_TYPE, "ReferenceCollection"),
      ...errors(401, 403, 404),
    },
  },
  "GET /inventory/managedObjects/{id}/additionParents": {
    summary: "additionParents: always empty (binaries have no parent or child links)",
    tags: ["managed objects"],
    parameters: [id, ...paging],
    responses: {
      "200": ok("an empty reference collection", MANAGED_OBJECT_REFERENCE_COLLECTION_MEDIA_TYPE, "ReferenceCollection"),
      ...errors(401, 403, 404),
    },
  },
  "GET /inventory/managedObjects/{id}/assetParents": {
    summary: "assetParents: always empty (binaries have no parent or child links)",
    tags: ["managed objects"],
    parameters: [id, ...paging],
    responses: {
      "200": ok("an empty reference collection", MANAGED_OBJECT_REFERENCE_COLLECTION_MEDIA_TYPE, "ReferenceCollection"),
      ...errors(401, 403, 404),
    },
  },
  "GET /inventory/managedObjects/{id}/deviceParents": {
    summary: "deviceParents: always empty (binaries have no parent or child links)",
    tags: ["managed objects"],
    parameters: [id, ...paging],
    responses: {
      "200": ok("an empty reference collection", MANAGED_OBJECT_REFERENCE_COLLECTION_MEDIA_TYPE, "ReferenceCollection"),
      ...errors(401, 403, 404),
    },
  },
  "GET /inventory/managedObjects/{id}": {
    summary: "A binary's managed object",
    tags: ["managed objects"],
    parameters: [id],
    responses: { "200": managedObject("the managed object"), ...errors(401, 403, 404) },
  },
  "PUT /inventory/managedObjects/{id}": {
    summary: "Change name, type and fragments (null removes a fragment)",
    tags: ["managed objects"],
    parameters: [id],
    requestBody: { required: true, content: { "application/json": { schema: schema("ManagedObjectInput") } } },
    responses: {
      "200": managedObject("the updated managed object (when Accept was sent)"),
      ...errors(400, 401, 403, 404, 413),
    },
  },
  "DELETE /inventory/managedObjects/{id}": {
    summary: "Delete a binary",
    tags: ["managed objects"],
    parameters: [id],
    responses: { "204": empty("deleted"), ...errors(401, 403, 404) },
  },
};
