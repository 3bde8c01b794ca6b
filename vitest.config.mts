import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Tests run inside workerd against real local D1 and R2; storage is isolated per test file.
const migrations = await readD1Migrations("./migrations");

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        // A second database that plays a lagging read replica in test/db/sessions.test.ts.
        d1Databases: { STALE_REPLICA: "stale-replica" },
        // The rate limits of wrangler.toml are far above what any test sends, so they never refuse one by
        // chance; test/api/cross-cutting/rate-limits.test.ts puts the tight limiter (3 a minute) in their place.
        ratelimits: {
          TENANT_RATE_LIMITER: { namespace_id: "20001", simple: { limit: 1_000_000, period: 60 } },
          LOGIN_RATE_LIMITER: { namespace_id: "20002", simple: { limit: 1_000_000, period: 60 } },
          LINK_RATE_LIMITER: { namespace_id: "20003", simple: { limit: 1_000_000, period: 60 } },
          ADDRESS_RATE_LIMITER: { namespace_id: "20004", simple: { limit: 1_000_000, period: 60 } },
          TIGHT_RATE_LIMITER: { namespace_id: "29001", simple: { limit: 3, period: 60 } },
        },
        bindings: {
          TEST_MIGRATIONS: migrations,
          // The smallest part R2 accepts, so the multipart path is exercised by ~11 MB files.
          UPLOAD_PART_SIZE: String(5 * 1024 * 1024),
          MAX_JSON_SIZE: "65536",
          // Small, so the multipart path for long known-length bodies is exercised by ~7 MB files.
          SINGLE_PUT_MAX_BYTES: String(6 * 1024 * 1024),
          ORPHAN_MIN_AGE_SECONDS: "3600",
          // A fixed test secret for signed download links (a deployment sets its own with `wrangler secret put`).
          LINK_SIGNING_KEYS: "test:test-link-signing-secret-0123456789",
          // Two token keys: the first signs, the second still verifies (rotation).
          TOKEN_SIGNING_KEYS: "t2:test-token-signing-secret-new-0123,t1:test-token-signing-secret-old-0123",
          BOOTSTRAP_TENANT: "",
          BOOTSTRAP_ADMIN_USER: "",
          BOOTSTRAP_ADMIN_PASSWORD: "",
        },
      },
    }),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/e2e/**"],
    setupFiles: ["./test/apply-migrations.ts"],
    testTimeout: 60_000,
    // The worker's one log line per request (docs/api.md#request-ids-logs-and-metrics) would drown the
    // output; test/api/cross-cutting/request-story.test.ts reads them itself.
    onConsoleLog: (log) => !log.startsWith('{"msg":"request"'),
  },
});
