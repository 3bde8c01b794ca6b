import { Hono } from "hono";
import { loginOptionsJson } from "../c8y/api-descriptors";
import { LOGIN_OPTION_COLLECTION_MEDIA_TYPE } from "../c8y/media-types";
import { MIN_PASSWORD_LENGTH } from "../c8y/user-input";
import type { AppEnv } from "../env";
import { c8yJson, originOf, rejectOtherMethods } from "./context";

/** GET /tenant/loginOptions, mounted before authentication: it is public
 * (docs/api.md#api-descriptors-and-login-options). */
export const loginOptionsRoutes = new Hono<AppEnv>();

loginOptionsRoutes.get("/", (c) =>
  c8yJson(
    c,
    loginOptionsJson(originOf(c), MIN_PASSWORD_LENGTH, c.req.query("tenantId") || c.req.query("tenant_id")),
    LOGIN_OPTION_COLLECTION_MEDIA_TYPE,
  ),
);
loginOptionsRoutes.all("/", rejectOtherMethods("GET"));
