import { Hono } from "hono";
import { inventoryApiJson, platformApiJson } from "../c8y/api-descriptors";
import { INVENTORY_API_MEDIA_TYPE, PLATFORM_API_MEDIA_TYPE } from "../c8y/media-types";
import type { AppEnv } from "../env";
import { c8yJson, originOf, rejectOtherMethods } from "./context";

/**
 * GET /platform and GET /inventory: the API descriptors clients build their URLs from (docs/api.md
 * "API descriptors"). Any logged-in user may read them; they only name URLs.
 */
export const platformRoutes = new Hono<AppEnv>();

platformRoutes.get("/platform", (c) => c8yJson(c, platformApiJson(originOf(c)), PLATFORM_API_MEDIA_TYPE));
platformRoutes.get("/inventory", (c) => c8yJson(c, inventoryApiJson(originOf(c)), INVENTORY_API_MEDIA_TYPE));
platformRoutes.all("/platform", rejectOtherMethods("GET"));
platformRoutes.all("/inventory", rejectOtherMethods("GET"));
