import { Hono } from "hono";
import { sweepLoginFailures } from "./auth/login-throttle";
import { sweepOrphans } from "./binaries/sweep";
import { readConfig } from "./config";
import { createDb } from "./db/client";
import { deleteExpiredSessions } from "./db/sessions";
import type { AppEnv } from "./env";
import { meteredEnv } from "./observability/meter";
import { sweepResumables } from "./resumable/service";
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
import { readTopology } from "./shards/topology";

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

/** The hourly cron over every shard and region (issue 19); each cleanup is its own job. */
async function scheduled(env: Env): Promise<void> {
  const topology = readTopology(env);
  const { orphanMinAgeMs } = readConfig(env);
  for (const shard of topology.shards) {
    const db = createDb(shard.d1);
    await sweepLoginFailures(db);
    await deleteExpiredSessions(db, Date.now());
  }
  // A region's bucket is shared by its shards: its objects are swept against all of them.
  for (const region of topology.regions.values()) {
    const shards = topology.shardsIn(region.name).map((shard) => createDb(shard.d1));
    const report = await sweepOrphans(shards, region.bucket, orphanMinAgeMs);
    console.log("orphan sweep", region.name, report.scanned, report.deleted.length);
    const uploads = await sweepResumables(shards, region.bucket, Date.now(), orphanMinAgeMs);
    console.log("upload sweep", region.name, uploads.expired, uploads.orphanTails);
  }
}

/** The Workflows (wrangler.toml [[workflows]]): moving a tenant between shards, removing a deleted one. */
export { DeleteTenantWorkflow } from "./tenants/delete-workflow";
export { MoveTenantWorkflow } from "./tenants/move-workflow";

export default {
  // The bindings are counted per request (observability/meter.ts), for the request's log line.
  fetch: (request: Request, env: Env, ctx: ExecutionContext) => app.fetch(request, meteredEnv(env), ctx),
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(scheduled(env));
  },
} satisfies ExportedHandler<Env>;
