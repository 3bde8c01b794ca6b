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
  },
});
