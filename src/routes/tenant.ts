import { Hono } from "hono";
import type { AppEnv } from "../env";
import { methodNotAllowed } from "../http/headers";

/** /tenant: the caller's tenant, which the official client reads to log in. */
export const tenantRoutes = new Hono<AppEnv>();

tenantRoutes.get("/currentTenant", (c) => {
  const url = new URL(c.req.url);
  const tenant = c.var.principal.tenant;
  const body = {
    self: `${url.origin}/tenant/currentTenant`,
    name: tenant,
    domainName: url.hostname,
    allowCreateTenants: tenant === "management",
    customProperties: {},
  };
  return c.body(JSON.stringify(body), 200, { "Content-Type": "application/vnd.com.nsn.cumulocity.currentTenant+json;charset=UTF-8;ver=0.9" });
});

tenantRoutes.all("/currentTenant", methodNotAllowed("GET"));
