import { Hono } from "hono";
import type { Operation } from "../c8y/openapi/describe";
import { openApiDocument, type RegisteredRoute } from "../c8y/openapi/document";
import type { AppEnv } from "../env";
import { binariesApi } from "./binaries.openapi";
import { originOf, rejectOtherMethods } from "./context";
import { currentUserApi } from "./current-user.openapi";
import { linksApi } from "./links.openapi";
import { loginApi } from "./login.openapi";
import { managedObjectsApi } from "./managed-objects.openapi";
import { platformApi } from "./platform.openapi";
import { resumablesApi } from "./resumables.openapi";
import { statisticsApi } from "./statistics.openapi";
import { tenantsApi } from "./tenants.openapi";
import { usersApi } from "./users.openapi";

const openApiDocumentApi: Record<string, Operation> = {
  "GET /openapi.json": {
    summary: "This document",
    tags: ["descriptors"],
    public: true,
    responses: {
      "200": { description: "OpenAPI 3.1", content: { "application/json": { schema: { type: "object" } } } },
    },
  },
};

/**
 * What each route of the API does, keyed by "METHOD /path/{param}" as the router registers it, gathered from the
 * descriptions beside each router (*.openapi.ts). The document pairs this table with the routes the app really
 * has: a route missing here shows up in /openapi.json marked `x-undocumented` (and fails
 * test/api/platform/openapi.test.ts), an entry without a route is dropped (and fails the same test), so the document
 * cannot drift from the router.
 */
export const OPERATIONS: Record<string, Operation> = {
  ...binariesApi,
  ...currentUserApi,
  ...linksApi,
  ...loginApi,
  ...managedObjectsApi,
  ...platformApi,
  ...resumablesApi,
  ...statisticsApi,
  ...tenantsApi,
  ...usersApi,
  ...openApiDocumentApi,
};

/**
 * GET /openapi.json (public): the OpenAPI 3.1 document of `routes()`, the app's routes as the
 * router holds them when the request comes (so every router mounted after this one is included).
 */
export function openApiRoutes(routes: () => readonly RegisteredRoute[]): Hono<AppEnv> {
  const router = new Hono<AppEnv>();
  router.get("/", (c) => c.json(openApiDocument(routes(), OPERATIONS, originOf(c))));
  router.all("/", rejectOtherMethods("GET"));
  return router;
}
