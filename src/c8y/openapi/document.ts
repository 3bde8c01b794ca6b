/**
 * The OpenAPI 3.1 document of the API, built from the routes the app really registers (method
 * and path come from the router) and what the operations table (routes/openapi.ts, gathered from the
 * descriptions beside each router) says about each. A registered route without
 * an entry is still listed, marked `x-undocumented`, so a new route cannot hide from the document.
 */
import { ERROR_REASONS, type Operation } from "./describe";
import { SCHEMAS } from "./schemas";

export interface RegisteredRoute {
  method: string;
  path: string;
}

/** Hono's "/inventory/binaries/:id" as OpenAPI's "/inventory/binaries/{id}"; "/x/*" as "/x". */
export function openApiPath(path: string): string {
  return path
    .replace(/\/\*$/, "")
    .split("/")
    .map((segment) =>
      segment.startsWith(":") ? `{${segment.slice(1).replace(/\{.*$/, "").replace(/\?$/, "")}}` : segment,
    )
    .join("/");
}

/** The operations the router answers: no middleware (ALL, "*"), GET also stands for HEAD. */
export function operationKeys(routes: readonly RegisteredRoute[]): string[] {
  const keys = new Set<string>();
  for (const route of routes) {
    if (route.method === "ALL" || route.path === "/*" || route.path === "*") continue;
    keys.add(`${route.method} ${openApiPath(route.path) || "/"}`);
  }
  return [...keys];
}

/** "GET", "/inventory/binaries/{id}" -> "getInventoryBinariesId". */
function operationId(method: string, path: string): string {
  const words = path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return method.toLowerCase() + words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join("");
}

export function openApiDocument(
  routes: readonly RegisteredRoute[],
  operations: Readonly<Record<string, Operation>>,
  origin: string,
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const key of operationKeys(routes)) {
    const [method = "", path = ""] = key.split(" ");
    const operation: Operation | undefined = operations[key];
    const entry = operation
      ? {
          summary: operation.summary,
          ...(operation.description ? { description: operation.description } : {}),
          tags: operation.tags,
          operationId: operationId(method, path),
          ...(operation.public ? { security: [] } : {}),
          ...(operation.parameters ? { parameters: operation.parameters } : {}),
          ...(operation.requestBody ? { requestBody: operation.requestBody } : {}),
          responses: operation.responses,
        }
      : { summary: "undocumented route", "x-undocumented": true, responses: { default: { description: "unknown" } } };
    paths[path] ??= {};
    (paths[path] as Record<string, unknown>)[method.toLowerCase()] = entry;
  }
  const responses = Object.fromEntries(
    Object.entries(ERROR_REASONS).map(([code, reason]) => [
      `E${code}`,
      {
        description: reason,
        content: {
          "application/vnd.com.nsn.cumulocity.error+json": { schema: { $ref: "#/components/schemas/Error" } },
        },
      },
    ]),
  );
  return {
    openapi: "3.1.0",
    info: {
      title: "c8y-binaries-edge",
      version: "1",
      description:
        "The Cumulocity inventory binaries API on Cloudflare Workers, with its extensions: resumable uploads, " +
        "signed download links. The contract in prose is docs/api.md in the repository.",
    },
    servers: [{ url: origin }],
    security: [{ basic: [] }, { bearer: [] }, { cookie: [] }],
    tags: ["binaries", "resumable uploads", "managed objects", "users", "tenants", "descriptors"].map((name) => ({
      name,
    })),
    paths,
    components: {
      securitySchemes: {
        basic: {
          type: "http",
          scheme: "basic",
          description: "tenant/user:password (or user:password while the name is unique)",
        },
        bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "from POST /tenant/oauth/token" },
        cookie: {
          type: "apiKey",
          in: "cookie",
          name: "authorization",
          description: "from POST /tenant/oauth; every request also sends X-XSRF-TOKEN",
        },
      },
      schemas: SCHEMAS,
      responses,
    },
  };
}
