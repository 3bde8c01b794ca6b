import { Hono } from "hono";
import { authenticate } from "./auth/authenticate";
import { readConfig } from "./config";
import { createDb, dbMiddleware } from "./db/client";
import type { AppEnv } from "./env";
import { handleError, handleNotFound } from "./errors";
import { binariesRoutes } from "./routes/binaries";
import { managedObjectsRoutes } from "./routes/managed-objects";
import { tenantRoutes } from "./routes/tenant";
import { tenantsRoutes } from "./routes/tenants";
import { usersRoutes } from "./routes/users";
import { sweepOrphans } from "./binaries/sweep";

const app = new Hono<AppEnv>();

app.use("*", dbMiddleware);
app.use("*", authenticate);
app.route("/inventory/binaries", binariesRoutes);
app.route("/inventory/managedObjects", managedObjectsRoutes);
app.route("/tenant/tenants", tenantsRoutes);
app.route("/tenant", tenantRoutes);
app.route("/user", usersRoutes);
app.onError(handleError);
app.notFound(handleNotFound);

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(sweepOrphans(createDb(env.DB), env.BUCKET, readConfig(env).orphanMinAgeMs).then((report) => console.log("orphan sweep", report.scanned, report.deleted.length)));
  },
} satisfies ExportedHandler<Env>;
