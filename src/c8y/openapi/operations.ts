/**
 * What each route of the API does, keyed by "METHOD /path/{param}" as the router registers it.
 * src/routes/openapi.ts pairs this table with the routes the app really has: a route missing
 * here shows up in /openapi.json marked `x-undocumented` (and fails test/api/openapi.test.ts),
 * an entry without a route is dropped (and fails the same test), so the document cannot drift
 * from the router. Media types: docs/api.md#media-types; errors: docs/api.md#errors.
 */
import {
  COLLECTION_MEDIA_TYPE,
  CURRENT_TENANT_MEDIA_TYPE,
  CURRENT_USER_MEDIA_TYPE,
  INVENTORY_API_MEDIA_TYPE,
  LOGIN_OPTION_COLLECTION_MEDIA_TYPE,
  MANAGED_OBJECT_MEDIA_TYPE,
  MANAGED_OBJECT_REFERENCE_COLLECTION_MEDIA_TYPE,
  PLATFORM_API_MEDIA_TYPE,
  ROLE_COLLECTION_MEDIA_TYPE,
  ROLE_REFERENCE_MEDIA_TYPE,
  TENANT_COLLECTION_MEDIA_TYPE,
  TENANT_MEDIA_TYPE,
  USAGE_SUMMARY_MEDIA_TYPE,
  USER_COLLECTION_MEDIA_TYPE,
  USER_MEDIA_TYPE,
} from "../media-types";

type Json = Record<string, unknown>;

export interface Operation {
  summary: string;
  tags: string[];
  description?: string;
  /** Answered without credentials. */
  public?: boolean;
  parameters?: Json[];
  requestBody?: Json;
  responses: Record<string, Json>;
}

const schema = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (mediaType: string, name: string) => ({ [mediaType]: { schema: schema(name) } });
const ok = (description: string, mediaType: string, name: string) => ({ description, content: json(mediaType, name) });
const empty = (description: string, headers?: Json) => ({ description, ...(headers ? { headers } : {}) });
const header = (description: string, type = "string") => ({ description, schema: { type } });
const error = (code: number) => ({ $ref: `#/components/responses/E${code}` });
const errors = (...codes: number[]) => Object.fromEntries(codes.map((code) => [String(code), error(code)]));

const path = (name: string, description: string, pattern?: string) => ({
  name,
  in: "path",
  required: true,
  description,
  schema: { type: "string", ...(pattern ? { pattern } : {}) },
});
const query = (name: string, description: string, type = "string") => ({
  name,
  in: "query",
  description,
  schema: { type },
});
const head = (name: string, description: string) => ({ name, in: "header", description, schema: { type: "string" } });

const loginForm = {
  required: true,
  content: { "application/x-www-form-urlencoded": { schema: schema("LoginForm") } },
};

const id = path("id", "managed object id: 1 to 15 digits (docs/api.md#endpoints)", "^[0-9]{1,15}$");
const tenant = path("tenant", "tenant id");
const userName = path("userName", "user name");
const uploadId = path("uploadId", "upload id from the Location of its creation");
const paging = [
  query("pageSize", "items per page, 1-2000 (default 5)", "integer"),
  query("currentPage", "page number, from 1", "integer"),
  query("withTotalPages", "add statistics.totalPages", "boolean"),
  query("withTotalElements", "add statistics.totalElements", "boolean"),
];
const conditionalWrite = [
  head("If-Match", "only if the binary's ETag matches (412 otherwise)"),
  head("If-Unmodified-Since", "only if unchanged since (412 otherwise)"),
];
const tusHeaders = [
  head("Tus-Resumable", "1.0.0 for tus; absent for the IETF draft (docs/api.md#resumable-uploads)"),
  head("Upload-Offset", "where the bytes of this request start"),
];
const download = {
  parameters: [
    head("Range", "one range: bytes=a-b, a- or -n (206)"),
    head("If-None-Match", "304 when it matches"),
    head("If-Modified-Since", "304 when unchanged"),
    head("If-Range", "keep the Range only while this validator matches"),
  ],
  responses: {
    "200": {
      description: "the bytes",
      headers: {
        ETag: header("strong: the quoted base64 MD5 of the bytes"),
        "Content-Disposition": header("attachment with the binary's name"),
        "Accept-Ranges": header("bytes"),
      },
      content: { "*/*": { schema: { type: "string", format: "binary" } } },
    },
    "206": { description: "the requested range", content: { "*/*": { schema: { type: "string", format: "binary" } } } },
    "304": empty("unchanged"),
    ...errors(401, 403, 404, 416),
  },
};
const managedObject = (description: string) => ok(description, MANAGED_OBJECT_MEDIA_TYPE, "ManagedObject");
const created = (description: string) => ({
  description: `${description}; the body only when the request had an Accept header`,
  headers: { Location: header("the binary's URL") },
  content: json(MANAGED_OBJECT_MEDIA_TYPE, "ManagedObject"),
});

export const OPERATIONS: Record<string, Operation> = {
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
  "GET /tenant/loginOptions": {
    summary: "How to log in (public)",
    tags: ["tenants"],
    public: true,
    responses: {
      "200": ok("BASIC and OAUTH2_INTERNAL", LOGIN_OPTION_COLLECTION_MEDIA_TYPE, "LoginOptionCollection"),
    },
  },
  "POST /tenant/oauth/token": {
    summary: "Token login: a bearer token for a password form (public)",
    tags: ["tenants"],
    public: true,
    description: "docs/api.md#token-login: send the token as `Authorization: Bearer <token>`.",
    parameters: [query("tenant_id", "the tenant (else from username tenant/user, or a unique user name)")],
    requestBody: loginForm,
    responses: {
      "200": { description: "the token", content: { "application/json": { schema: schema("AccessToken") } } },
      ...errors(400, 401, 415, 429, 503),
    },
  },
  "POST /tenant/oauth": {
    summary: "Token login for browsers: sets the authorization (HttpOnly) and XSRF-TOKEN cookies (public)",
    tags: ["tenants"],
    public: true,
    description: "Later requests send the cookie with `X-XSRF-TOKEN: <XSRF-TOKEN cookie>` (docs/api.md#token-login).",
    parameters: [query("tenant_id", "the tenant (else from username tenant/user, or a unique user name)")],
    requestBody: loginForm,
    responses: {
      "200": empty("logged in", { "Set-Cookie": header("authorization=<token>; XSRF-TOKEN=<xsrf>") }),
      ...errors(400, 401, 415, 429, 503),
    },
  },
  "POST /user/logout": {
    summary: "End the caller's token session (and drop its cookies)",
    tags: ["users"],
    responses: { "200": empty("logged out"), ...errors(401) },
  },
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
  "GET /links/binaries/{id}": {
    summary: "Download through a signed link (no credentials; HEAD too)",
    tags: ["binaries"],
    public: true,
    description:
      "The query is the signed link as minted; answers like the authenticated download " +
      "(docs/api.md#signed-download-links).",
    parameters: [id, ...download.parameters],
    responses: { ...download.responses, ...errors(403, 404, 416) },
  },
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
  "GET /tenant/currentTenant": {
    summary: "The caller's tenant",
    tags: ["tenants"],
    responses: { "200": ok("the tenant", CURRENT_TENANT_MEDIA_TYPE, "CurrentTenant"), ...errors(401, 429) },
  },
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
  "DELETE /tenant/tenants/{id}": {
    summary: "Delete a tenant with its users and binaries (platform admin)",
    tags: ["tenants"],
    parameters: [path("id", "tenant id")],
    responses: { "204": empty("deleted"), ...errors(401, 403, 404) },
  },
  "GET /user/currentUser": {
    summary: "The caller",
    tags: ["users"],
    responses: {
      "200": ok("the user with its effective roles", CURRENT_USER_MEDIA_TYPE, "CurrentUser"),
      ...errors(401),
    },
  },
  "PUT /user/currentUser": {
    summary: "Change the caller's own name, email, phone or password (a password needs the current one)",
    tags: ["users"],
    requestBody: { required: true, content: { "application/json": { schema: schema("CurrentUserInput") } } },
    responses: { "200": ok("the user", CURRENT_USER_MEDIA_TYPE, "CurrentUser"), ...errors(400, 401, 403, 422) },
  },
  "PUT /user/currentUser/password": {
    summary: "Change the caller's password (needs the current one)",
    tags: ["users"],
    requestBody: { required: true, content: { "application/json": { schema: schema("PasswordChange") } } },
    responses: { "200": empty("changed"), "204": empty("changed"), ...errors(400, 401, 403, 422) },
  },
  "GET /user/roles": {
    summary: "The roles that exist",
    tags: ["users"],
    parameters: paging,
    responses: { "200": ok("a page of roles", ROLE_COLLECTION_MEDIA_TYPE, "RoleCollection"), ...errors(401) },
  },
  "GET /user/{tenant}/users": {
    summary: "List a tenant's users",
    tags: ["users"],
    parameters: [tenant, ...paging, query("username", "user names starting with this")],
    responses: {
      "200": ok("a page of users", USER_COLLECTION_MEDIA_TYPE, "UserCollection"),
      ...errors(401, 403, 404, 422),
    },
  },
  "POST /user/{tenant}/users": {
    summary: "Create a user",
    tags: ["users"],
    parameters: [tenant],
    requestBody: { required: true, content: { "application/json": { schema: schema("UserInput") } } },
    responses: { "201": ok("the user", USER_MEDIA_TYPE, "User"), ...errors(400, 401, 403, 404, 409, 422) },
  },
  "GET /user/{tenant}/users/{userName}": {
    summary: "A user",
    tags: ["users"],
    parameters: [tenant, userName],
    responses: { "200": ok("the user", USER_MEDIA_TYPE, "User"), ...errors(401, 403, 404) },
  },
  "GET /user/{tenant}/userByName/{userName}": {
    summary: "A user, by name (the user API descriptor's userByName template)",
    tags: ["users"],
    parameters: [tenant, userName],
    responses: { "200": ok("the user", USER_MEDIA_TYPE, "User"), ...errors(401, 403, 404) },
  },
  "PUT /user/{tenant}/users/{userName}": {
    summary: "Change a user (password, email, enabled, …)",
    tags: ["users"],
    parameters: [tenant, userName],
    requestBody: { required: true, content: { "application/json": { schema: schema("UserInput") } } },
    responses: { "200": ok("the user", USER_MEDIA_TYPE, "User"), ...errors(400, 401, 403, 404, 422) },
  },
  "DELETE /user/{tenant}/users/{userName}": {
    summary: "Delete a user",
    tags: ["users"],
    parameters: [tenant, userName],
    responses: { "204": empty("deleted"), ...errors(401, 403, 404) },
  },
  "POST /user/{tenant}/users/{userName}/roles": {
    summary: "Give a user a role",
    tags: ["users"],
    parameters: [tenant, userName],
    requestBody: {
      required: true,
      content: {
        "application/json": {
          schema: {
            type: "object",
            required: ["role"],
            properties: { role: { type: "object", properties: { self: { type: "string" } } } },
          },
        },
      },
    },
    responses: {
      "201": ok("the role reference", ROLE_REFERENCE_MEDIA_TYPE, "RoleReference"),
      ...errors(400, 401, 403, 404, 422),
    },
  },
  "DELETE /user/{tenant}/users/{userName}/roles/{role}": {
    summary: "Take a role from a user",
    tags: ["users"],
    parameters: [tenant, userName, path("role", "role id, e.g. ROLE_INVENTORY_READ")],
    responses: { "204": empty("removed"), ...errors(401, 403, 404) },
  },
  "OPTIONS /inventory/binaries/uploads": {
    summary: "tus discovery: version, extensions, maximum size (also on each upload's URL)",
    tags: ["resumable uploads"],
    responses: {
      "204": empty("what the server supports", {
        "Tus-Version": header("1.0.0"),
        "Tus-Extension": header("creation,creation-with-upload,creation-defer-length,expiration,checksum,termination"),
        "Tus-Max-Size": header("bytes", "integer"),
      }),
    },
  },
  "GET /inventory/binaries/uploads": {
    summary: "The caller's unfinished uploads",
    tags: ["resumable uploads"],
    parameters: paging,
    responses: { "200": ok("a page of uploads", "application/json", "UploadCollection"), ...errors(401, 422) },
  },
  "POST /inventory/binaries/uploads": {
    summary: "Create a resumable upload (tus creation or the IETF draft), optionally with its first bytes",
    tags: ["resumable uploads"],
    description:
      "Upload-Metadata: filename/name, filetype, type, object (base64 JSON managed object), " +
      "binaryId (replace; If-Match honoured at completion). docs/api.md#resumable-uploads.",
    parameters: [
      head("Tus-Resumable", "1.0.0 (tus)"),
      head("Upload-Length", "total bytes"),
      head("Upload-Defer-Length", "1 when the length comes later (tus)"),
      head("Upload-Metadata", "comma-separated `key base64(value)` pairs"),
      head("Upload-Complete", "?0 / ?1 (IETF draft)"),
      head("If-Match", "for a replace: only if the binary still has this ETag at completion"),
    ],
    requestBody: {
      required: false,
      content: { "application/offset+octet-stream": { schema: { type: "string", format: "binary" } } },
    },
    responses: {
      "201": empty("created; Location is the upload's URL (or the binary's, when the draft completed it)", {
        Location: header("upload URL"),
        "Upload-Offset": header("bytes stored", "integer"),
        "Upload-Expires": header("HTTP date"),
      }),
      ...errors(400, 401, 403, 404, 412, 413, 415),
    },
  },
  "GET /inventory/binaries/uploads/{uploadId}": {
    summary: "Where an upload stands (HEAD for tus and the draft)",
    tags: ["resumable uploads"],
    parameters: [uploadId, head("Tus-Resumable", "1.0.0 (tus)")],
    responses: {
      "200": empty("tus: the offset", { "Upload-Offset": header("bytes stored", "integer") }),
      "204": empty("draft: the offset", { "Upload-Offset": header("bytes stored", "integer") }),
      ...errors(401, 404, 412),
    },
  },
  "PATCH /inventory/binaries/uploads/{uploadId}": {
    summary: "Append bytes at Upload-Offset; the last append creates or replaces the binary",
    tags: ["resumable uploads"],
    parameters: [
      uploadId,
      ...tusHeaders,
      head("Upload-Checksum", "sha1, md5 or sha256 of this request's bytes (460 when wrong)"),
    ],
    requestBody: {
      required: true,
      content: {
        "application/offset+octet-stream": { schema: { type: "string", format: "binary" } },
        "application/partial-upload": { schema: { type: "string", format: "binary" } },
      },
    },
    responses: {
      "201": created("the draft completed the upload"),
      "204": empty("appended; on completion Location/Content-Location name the binary", {
        "Upload-Offset": header("bytes stored", "integer"),
        "Content-Location": header("the binary, once complete"),
      }),
      ...errors(400, 401, 403, 404, 409, 412, 413, 415, 423, 460),
    },
  },
  "POST /inventory/binaries/uploads/{uploadId}": {
    summary: "PATCH or DELETE for clients that can only send POST (X-HTTP-Method-Override)",
    tags: ["resumable uploads"],
    parameters: [uploadId, head("X-HTTP-Method-Override", "PATCH or DELETE")],
    responses: { "204": empty("as PATCH or DELETE"), ...errors(400, 401, 404, 405, 409, 412) },
  },
  "DELETE /inventory/binaries/uploads/{uploadId}": {
    summary: "Cancel an upload (tus termination)",
    tags: ["resumable uploads"],
    parameters: [uploadId],
    responses: { "204": empty("canceled; its bytes are removed"), ...errors(401, 404, 412) },
  },
  "GET /openapi.json": {
    summary: "This document",
    tags: ["descriptors"],
    public: true,
    responses: {
      "200": { description: "OpenAPI 3.1", content: { "application/json": { schema: { type: "object" } } } },
    },
  },
};

/** Reasons of the error responses (docs/api.md#errors). */
export const ERROR_REASONS: Record<number, string> = {
  400: "malformed request",
  401: "missing or wrong credentials",
  403: "not allowed",
  404: "unknown, or another tenant's",
  405: "method not allowed on this path",
  409: "conflict (exists already, or the upload offset differs)",
  411: "Content-Length required",
  412: "precondition failed: the binary changed (or the tus version differs)",
  413: "too large",
  415: "unsupported media type",
  416: "range not satisfiable",
  422: "unacceptable value (paging, roles, query)",
  423: "the upload is locked by another request",
  429: "too many failed logins; see Retry-After",
  460: "checksum mismatch",
  503: "not configured (signing keys)",
};
