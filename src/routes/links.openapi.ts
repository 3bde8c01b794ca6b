/** What the links routes do, for /openapi.json (src/routes/openapi.ts pairs it with the router). */
import { download, errors, id, type Operation } from "../c8y/openapi/describe";

export const linksApi: Record<string, Operation> = {
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
};
