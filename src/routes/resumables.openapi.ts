/** What the resumables routes do, for /openapi.json (src/routes/openapi.ts pairs it with the router). */
import {
  created,
  empty,
  errors,
  head,
  header,
  type Operation,
  ok,
  paging,
  tusHeaders,
  uploadId,
} from "../c8y/openapi/describe";

export const resumablesApi: Record<string, Operation> = {
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
};
