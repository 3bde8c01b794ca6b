import { Hono } from "hono";
import type { AppEnv } from "./env";
import { startSweeps } from "./jobs/sweeps";
import { meteredEnv } from "./observability/meter";
import { binariesRoutes } from "./routes/binaries";
import { handleError, handleNotFound } from "./routes/context";
import { currentUserRoutes } from "./routes/current-user";
import { linksRoutes } from "./routes/links";
import { loginOptionsRoutes } from "./routes/login-options";
import { logoutRoutes } from "./routes/logout";
import { managedObjectsRoutes } from "./routes/managed-objects";
import { authenticate, crossOrigin } from "./routes/middleware";
import { oauthRoutes } from "./routes/oauth";
import { observe } from "./routes/observe";
import { openApiRoutes } from "./routes/openapi";
import { platformRoutes } from "./routes/platform";
import { rateLimit } from "./routes/rate-limit";
import { resumablesRoutes } from "./routes/resumables";
import { withRoute } from "./routes/routing";
import { statisticsRoutes } from "./routes/statistics";
import { tenantRoutes } from "./routes/tenant";
import { tenantsRoutes } from "./routes/tenants";
import { usersRoutes } from "./routes/users";

const app = new Hono<AppEnv>();

// First of all: the request's id, its counters, its log line and metric (docs/api.md#request-ids-logs-and-metrics).
app.use("*", observe);
// Signed links carry their own credential and CORS policy (any origin): answered before the
// API's CORS, database and login work.
app.route("/links/binaries", linksRoutes);
app.use("*", crossOrigin);
// Public: answered before authentication.
app.route("/tenant/loginOptions", loginOptionsRoutes);
app.route(
  "/openapi.json",
  openApiRoutes(() => app.routes),
);
app.use("*", withRoute);
// Token login takes a password form: answered before authentication.
app.route("/tenant/oauth", oauthRoutes);
app.use("*", authenticate);
app.use("*", rateLimit);
app.route("/", platformRoutes);
// Before /inventory/binaries, whose /:id would otherwise take "uploads".
app.route("/inventory/binaries/uploads", resumablesRoutes);
app.route("/inventory/binaries", binariesRoutes);
app.route("/inventory/managedObjects", managedObjectsRoutes);
app.route("/tenant/tenants", tenantsRoutes);
app.route("/tenant/statistics", statisticsRoutes);
app.route("/tenant", tenantRoutes);
app.route("/user/currentUser", currentUserRoutes);
app.route("/user/logout", logoutRoutes);
app.route("/user", usersRoutes);
app.onError(handleError);
app.notFound(handleNotFound);

/** The Workflows (wrangler.toml [[workflows]]): the hourly sweeps, moving a tenant, removing a deleted one. */
export { SweepWorkflow } from "./jobs/sweep-workflow";
export { DeleteTenantWorkflow } from "./tenants/delete-workflow";
export { MoveTenantWorkflow } from "./tenants/move-workflow";

export default {
  // The bindings are counted per request (observability/meter.ts), for the request's log line.
  fetch: (request: Request, env: Env, ctx: ExecutionContext) => app.fetch(request, meteredEnv(env), ctx),
  // The hourly cron only starts the sweep Workflows, one per shard and one per region (jobs/sweeps.ts).
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(startSweeps(env, env.SWEEP, controller.scheduledTime));
  },
} satisfies ExportedHandler<Env>;
