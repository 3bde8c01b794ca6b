import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS } from "../../../src/http/cors";
import worker from "../../../src/index";
import { BASE, call, seedUser } from "../../helpers";

let admin: string;

beforeAll(async () => {
  admin = await seedUser("t1", "cors-admin");
});

const preflight = (method: string, requestHeaders: string, origin = "https://app.example.com") => ({
  method: "OPTIONS",
  headers: {
    Origin: origin,
    "Access-Control-Request-Method": method,
    "Access-Control-Request-Headers": requestHeaders,
  },
});

/** The worker with another CORS_ALLOWED_ORIGINS, as a deployment would set it. */
async function callWithOrigins(setting: string, path: string, init: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${BASE}${path}`, init), { ...env, CORS_ALLOWED_ORIGINS: setting }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const list = (header: string | null) => (header ?? "").split(",").map((h) => h.trim().toLowerCase());

describe("CORS", () => {
  it("answers a preflight before authentication, for any path, with the documented lists", async () => {
    for (const [path, method] of [
      ["/inventory/binaries", "POST"],
      ["/inventory/binaries/123", "PUT"],
      ["/user/currentUser", "GET"],
      ["/inventory/binaries/uploads/abc", "PATCH"],
      ["/no/such/path", "DELETE"],
    ] as const) {
      const res = await call(path, preflight(method, "authorization,usexbasic,content-type,if-match"));
      expect(res.status, path).toBe(204);
      expect(await res.text()).toBe("");
      expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
      expect(list(res.headers.get("Access-Control-Allow-Methods"))).toEqual(
        expect.arrayContaining(["get", "head", "post", "put", "patch", "delete", "options"]),
      );
      expect(list(res.headers.get("Access-Control-Allow-Headers"))).toEqual(
        CORS_ALLOW_HEADERS.map((h) => h.toLowerCase()),
      );
      expect(res.headers.get("Access-Control-Max-Age")).toBe("7200");
      expect(res.headers.get("WWW-Authenticate")).toBeNull();
      expect(res.headers.get("Access-Control-Allow-Credentials")).toBeNull();
    }
  });

  it("allows every header the issue names: auth, conditional, range and the resumable-upload headers", () => {
    const allowed = new Set(CORS_ALLOW_HEADERS.map((h) => h.toLowerCase()));
    for (const header of [
      "Authorization",
      "UseXBasic",
      "Content-Type",
      "Accept",
      "X-XSRF-TOKEN",
      "If-Match",
      "If-None-Match",
      "If-Modified-Since",
      "If-Unmodified-Since",
      "If-Range",
      "Range",
      "Tus-Resumable",
      "Upload-Offset",
      "Upload-Length",
      "Upload-Metadata",
      "Upload-Checksum",
      "Upload-Defer-Length",
      "Upload-Concat",
      "Upload-Complete",
      "Upload-Draft-Interop-Version",
      "Upload-Limit",
      "Upload-Expires",
    ]) {
      expect(allowed.has(header.toLowerCase()), header).toBe(true);
    }
    const exposed = new Set(CORS_EXPOSE_HEADERS.map((h) => h.toLowerCase()));
    for (const header of [
      "Location",
      "Content-Disposition",
      "ETag",
      "Content-Range",
      "Content-Length",
      "Accept-Ranges",
      "Last-Modified",
      "Upload-Offset",
      "Upload-Length",
      "Tus-Resumable",
    ]) {
      expect(exposed.has(header.toLowerCase()), header).toBe(true);
    }
  });

  it("puts Allow-Origin and Expose-Headers on answers and on errors, 401 included", async () => {
    const origin = { Origin: "https://app.example.com" };
    const ok = await call("/tenant/currentTenant", { headers: { ...origin, Authorization: admin } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(list(ok.headers.get("Access-Control-Expose-Headers"))).toEqual(
      CORS_EXPOSE_HEADERS.map((h) => h.toLowerCase()),
    );
    const denied = await call("/tenant/currentTenant", { headers: origin });
    expect(denied.status).toBe(401);
    expect(denied.headers.get("Access-Control-Allow-Origin")).toBe("*");
    const missing = await call("/inventory/binaries/999999", { headers: { ...origin, Authorization: admin } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("Access-Control-Allow-Origin")).toBe("*");
  });

  it("an OPTIONS that is not a preflight is not swallowed: it reaches the routes (and authentication)", async () => {
    const res = await call("/inventory/binaries", {
      method: "OPTIONS",
      headers: { Origin: "https://app.example.com" },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
  });

  it("with a configured list: echoes allowed origins (wildcards too) with Vary, refuses others", async () => {
    const setting = "https://app.example.com, https://*.example.org";
    for (const allowed of ["https://app.example.com", "https://a.b.example.org"]) {
      const res = await callWithOrigins(setting, "/inventory/binaries", preflight("POST", "authorization", allowed));
      expect(res.status).toBe(204);
      expect(res.headers.get("Access-Control-Allow-Origin")).toBe(allowed);
      expect(list(res.headers.get("Vary"))).toContain("origin");
      const get = await callWithOrigins(setting, "/tenant/currentTenant", {
        headers: { Origin: allowed, Authorization: admin },
      });
      expect(get.status).toBe(200);
      expect(get.headers.get("Access-Control-Allow-Origin")).toBe(allowed);
      expect(list(get.headers.get("Vary"))).toContain("origin");
    }
    for (const refused of [
      "https://evil.example.com",
      "http://app.example.com",
      "https://example.org",
      "https://app.example.com.evil.io",
    ]) {
      const res = await callWithOrigins(setting, "/inventory/binaries", preflight("POST", "authorization", refused));
      expect(res.headers.get("Access-Control-Allow-Origin"), refused).toBeNull();
      const get = await callWithOrigins(setting, "/tenant/currentTenant", {
        headers: { Origin: refused, Authorization: admin },
      });
      expect(get.status).toBe(200);
      expect(get.headers.get("Access-Control-Allow-Origin"), refused).toBeNull();
    }
  });
});
