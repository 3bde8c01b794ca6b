import { Hono } from "hono";
import { openApiDocument, type RegisteredRoute } from "../c8y/openapi/document";
import type { AppEnv } from "../env";
import { originOf, rejectOtherMethods } from "./context";

/**
 * GET /openapi.json (public): the OpenAPI 3.1 document of `routes()`, the app's routes as the
 * router holds them when the request comes (so every router mounted after this one is included).
 */
export function openApiRoutes(routes: () => readonly RegisteredRoute[]): Hono<AppEnv> {
  const router = new Hono<AppEnv>();
  router.get("/", (c) => c.json(openApiDocument(routes(), originOf(c))));
  router.all("/", rejectOtherMethods("GET"));
  return router;
}
