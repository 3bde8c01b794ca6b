import { Hono } from "hono";
import { cors } from "hono/cors";
import { readConfig } from "../config";
import { binaryResponse } from "../downloads/binary-response";
import { verifyLink } from "../downloads/signed-links";
import type { AppEnv } from "../env";
import { invalidLink, notFound } from "../errors";
import { readTopology } from "../shards/topology";
import { edgeCacheOf, rejectOtherMethods } from "./context";
import { enforceLinkLimit } from "./rate-limit";

/**
 * GET/HEAD /links/binaries/{id}?…: a signed download link (docs/api.md#signed-download-links).
 * Mounted before the database and authentication middleware: the link itself is the credential,
 * so answering it takes no Authorization, no D1 query and no password hash. Any origin may fetch
 * it (the link carries no cookies or credentials).
 */
export const linksRoutes = new Hono<AppEnv>();

linksRoutes.use(
  "*",
  cors({
    origin: "*",
    allowMethods: ["GET", "HEAD"],
    allowHeaders: ["Range", "If-None-Match", "If-Modified-Since", "If-Range"],
    exposeHeaders: [
      "Content-Length",
      "Content-Range",
      "Content-Disposition",
      "ETag",
      "Last-Modified",
      "Accept-Ranges",
      "X-Request-Id",
    ],
  }),
);

linksRoutes.get("/:id", async (c) => {
  const { linkKeys } = readConfig(c.env);
  const verdict = await verifyLink(c.req.param("id"), new URL(c.req.url).searchParams, linkKeys, Date.now());
  if (!verdict.ok) {
    if (verdict.reason === "malformed") throw notFound("Link");
    throw invalidLink(verdict.reason === "expired" ? "The link has expired." : "The link is not valid.");
  }
  c.set("requestTenant", verdict.claims.tenant);
  await enforceLinkLimit(c, verdict.claims);
  // The link names its region (signed): its bucket is read without asking D1 where the tenant lives.
  const topology = readTopology(c.env);
  const region = topology.regions.get(verdict.claims.region ?? topology.defaultRegion);
  if (!region) throw notFound("Link");
  const edge = edgeCacheOf(c, region.name);
  return binaryResponse(region.bucket, edge, verdict.revision, c.req.raw, { confirmExists: true });
});

linksRoutes.all("/:id", rejectOtherMethods("GET, HEAD"));
