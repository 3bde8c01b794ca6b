import { Hono } from "hono";
import { MANAGEMENT_TENANT } from "../auth/authorize";
import { CURRENT_TENANT_MEDIA_TYPE } from "../c8y/media-types";
import type { AppEnv } from "../env";
import { c8yJson, originOf, rejectOtherMethods } from "./context";

/** /tenant: the caller's tenant, which the official client reads to log in. */
export const tenantRoutes = new Hono<AppEnv>();

tenantRoutes.get("/currentTenant", (c) => {
  const tenant = c.var.principal.tenant;
  const body = {
    self: `${originOf(c)}/tenant/currentTenant`,
    name: tenant,
    domainName: new URL(c.req.url).hostname,
    allowCreateTenants: tenant === MANAGEMENT_TENANT,
    customProperties: {},
  };
  return c8yJson(c, body, CURRENT_TENANT_MEDIA_TYPE);
});

tenantRoutes.all("/currentTenant", rejectOtherMethods("GET"));
