import { describe, expect, it } from "vitest";
import { openApiPath } from "../../../src/c8y/openapi/document";
import { OPERATIONS } from "../../../src/routes/openapi";
import { call } from "../../helpers";

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { "x-undocumented"?: boolean; responses: Record<string, unknown> }>>;
  components: Record<string, Record<string, unknown>>;
};

async function document(): Promise<Doc> {
  const res = await call("/openapi.json");
  expect(res.status).toBe(200);
  return (await res.json()) as Doc;
}

/** Every "#/…" reference anywhere below `node`. */
function refs(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) refs(item, found);
  else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key === "$ref" && typeof value === "string") found.push(value);
      else refs(value, found);
    }
  }
  return found;
}

describe("GET /openapi.json", () => {
  it("is public OpenAPI 3.1 with Basic, bearer token or cookie as the security", async () => {
    const doc = (await document()) as Doc & { security: unknown; components: { securitySchemes: unknown } };
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.security).toEqual([{ basic: [] }, { bearer: [] }, { cookie: [] }]);
    expect(doc.components.securitySchemes).toEqual({
      basic: expect.objectContaining({ type: "http", scheme: "basic" }),
      bearer: expect.objectContaining({ type: "http", scheme: "bearer", bearerFormat: "JWT" }),
      cookie: expect.objectContaining({ type: "apiKey", in: "cookie", name: "authorization" }),
    });
  });

  it("documents exactly the routes the router has: none undocumented, no entry without a route", async () => {
    const doc = await document();
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ key: `${method.toUpperCase()} ${path}`, operation })),
    );
    expect(operations.filter(({ operation }) => operation["x-undocumented"]).map(({ key }) => key)).toEqual([]);
    expect(operations.map(({ key }) => key).sort()).toEqual(Object.keys(OPERATIONS).sort());
    for (const { key, operation } of operations) {
      expect(
        Object.keys(operation.responses).some((status) => /^2\d\d$/.test(status)),
        key,
      ).toBe(true);
    }
  });

  it("has no dangling references", async () => {
    const doc = await document();
    for (const ref of refs(doc)) {
      const [, section, name] = /^#\/components\/(\w+)\/(.+)$/.exec(ref) ?? [];
      expect(section && name ? doc.components[section]?.[name] : undefined, ref).toBeDefined();
    }
  });

  it("writes hono's path parameters the OpenAPI way", () => {
    expect(openApiPath("/inventory/binaries/:id")).toBe("/inventory/binaries/{id}");
    expect(openApiPath("/user/:tenant/users/:userName/roles/:role")).toBe(
      "/user/{tenant}/users/{userName}/roles/{role}",
    );
    expect(openApiPath("/inventory/binaries/uploads/*")).toBe("/inventory/binaries/uploads");
    expect(openApiPath("/x/:id{[0-9]+}")).toBe("/x/{id}");
  });
});
