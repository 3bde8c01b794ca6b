/**
 * The vocabulary the per-resource API descriptions are written in (src/routes/*.openapi.ts, one beside each
 * router): an operation's shape, schema references, responses, parameters and the error responses' reasons.
 * Media types: docs/api.md#media-types; errors: docs/api.md#errors.
 */
import { MANAGED_OBJECT_MEDIA_TYPE } from "../media-types";

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

export const schema = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const json = (mediaType: string, name: string) => ({ [mediaType]: { schema: schema(name) } });
export const ok = (description: string, mediaType: string, name: string) => ({
  description,
  content: json(mediaType, name),
});
export const empty = (description: string, headers?: Json) => ({ description, ...(headers ? { headers } : {}) });
export const header = (description: string, type = "string") => ({ description, schema: { type } });
export const error = (code: number) => ({ $ref: `#/components/responses/E${code}` });
export const errors = (...codes: number[]) => Object.fromEntries(codes.map((code) => [String(code), error(code)]));

export const path = (name: string, description: string, pattern?: string) => ({
  name,
  in: "path",
  required: true,
  description,
  schema: { type: "string", ...(pattern ? { pattern } : {}) },
});
export const query = (name: string, description: string, type = "string") => ({
  name,
  in: "query",
  description,
  schema: { type },
});
export const head = (name: string, description: string) => ({
  name,
  in: "header",
  description,
  schema: { type: "string" },
});

export const loginForm = {
  required: true,
  content: { "application/x-www-form-urlencoded": { schema: schema("LoginForm") } },
};

export const id = path("id", "managed object id: 1 to 15 digits (docs/api.md#endpoints)", "^[0-9]{1,15}$");
export const tenant = path("tenant", "tenant id");
export const userName = path("userName", "user name");
export const uploadId = path("uploadId", "upload id from the Location of its creation");
export const paging = [
  query("pageSize", "items per page, 1-2000 (default 5)", "integer"),
  query("currentPage", "page number, from 1", "integer"),
  query("withTotalPages", "add statistics.totalPages", "boolean"),
  query("withTotalElements", "add statistics.totalElements", "boolean"),
];
export const conditionalWrite = [
  head("If-Match", "only if the binary's ETag matches (412 otherwise)"),
  head("If-Unmodified-Since", "only if unchanged since (412 otherwise)"),
];
export const tusHeaders = [
  head("Tus-Resumable", "1.0.0 for tus; absent for the IETF draft (docs/api.md#resumable-uploads)"),
  head("Upload-Offset", "where the bytes of this request start"),
];
export const download = {
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
export const managedObject = (description: string) => ok(description, MANAGED_OBJECT_MEDIA_TYPE, "ManagedObject");
export const created = (description: string) => ({
  description: `${description}; the body only when the request had an Accept header`,
  headers: { Location: header("the binary's URL") },
  content: json(MANAGED_OBJECT_MEDIA_TYPE, "ManagedObject"),
});

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
