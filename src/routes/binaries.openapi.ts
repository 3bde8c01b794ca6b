/** What the binaries routes do, for /openapi.json (src/routes/openapi.ts pairs it with the router). */
import { COLLECTION_MEDIA_TYPE } from "../c8y/media-types";
import {
  conditionalWrite,
  created,
  download,
  empty,
  errors,
  header,
  id,
  type Operation,
  ok,
  paging,
  query,
  schema,
} from "../c8y/openapi/describe";

export const binariesApi: Record<string, Operation> = {
  "GET /inventory/binaries": {
    summary: "List binaries",
    tags: ["binaries"],
    description:
      "Without READ or ADMIN a user sees only its own binaries " +
      "(docs/api.md#collection-and-paging, docs/api.md#tenants-users-roles).",
    parameters: [
      ...paging,
      query("type", "only this type"),
      query("owner", "only this owner"),
      query("ids", "comma-separated ids"),
      query("text", "text the name (or another property) contains"),
      query("query", "inventory query language: $filter=… $orderby=<field> asc|desc"),
    ],
    responses: {
      "200": ok("a page of managed objects", COLLECTION_MEDIA_TYPE, "ManagedObjectCollection"),
      ...errors(401, 422),
    },
  },
  "POST /inventory/binaries": {
    summary: "Upload a file with its managed object (multipart)",
    tags: ["binaries"],
    description: "Parts `object` (JSON: name, type, fragments), optional `filesize`, `file` (docs/api.md#upload-post).",
    requestBody: {
      required: true,
      content: {
        "multipart/form-data": {
          schema: {
            type: "object",
            required: ["object", "file"],
            properties: {
              object: schema("ManagedObjectInput"),
              filesize: { type: "integer" },
              file: { type: "string", format: "binary" },
            },
          },
        },
      },
    },
    responses: { "201": created("stored"), ...errors(400, 401, 403, 413, 422) },
  },
  "GET /inventory/binaries/zip": {
    summary: "Download several binaries as one zip",
    tags: ["binaries"],
    description:
      "Streams a zip (stored, ZIP64 past 4 GiB) of the listed binaries in the order given; names made safe and " +
      "unique. Every id must exist (404) and be readable (403); at most 1000 binaries and 16 GiB (422). " +
      "docs/api.md#several-binaries-as-one-zip.",
    parameters: [{ ...query("ids", "comma-separated ids (or the parameter repeated)"), required: true }],
    responses: {
      "200": {
        description: "the zip, with its exact Content-Length",
        headers: { "Content-Disposition": header('attachment; filename="binaries.zip"') },
        content: { "application/zip": { schema: { type: "string", format: "binary" } } },
      },
      ...errors(400, 401, 403, 404, 422),
    },
  },
  "GET /inventory/binaries/{id}": {
    summary: "Download a binary (HEAD: headers only)",
    tags: ["binaries"],
    parameters: [id, ...download.parameters],
    responses: download.responses,
  },
  "PUT /inventory/binaries/{id}": {
    summary: "Replace a binary's bytes",
    tags: ["binaries"],
    description: "The raw body becomes the bytes and its Content-Type the contentType (docs/api.md#replace-put).",
    parameters: [id, ...conditionalWrite],
    requestBody: { required: true, content: { "*/*": { schema: { type: "string", format: "binary" } } } },
    responses: {
      "201": { ...created("replaced"), headers: { ETag: header("the new bytes' ETag") } },
      ...errors(400, 401, 403, 404, 412, 413),
    },
  },
  "DELETE /inventory/binaries/{id}": {
    summary: "Delete a binary",
    tags: ["binaries"],
    parameters: [id, ...conditionalWrite],
    responses: { "204": empty("deleted"), ...errors(401, 403, 404, 412) },
  },
  "POST /inventory/binaries/{id}/links": {
    summary: "Mint a signed download link",
    tags: ["binaries"],
    parameters: [id],
    requestBody: { required: false, content: { "application/json": { schema: schema("LinkRequest") } } },
    responses: { "201": ok("the link", "application/json", "SignedLink"), ...errors(400, 401, 403, 404, 422) },
  },
};
