/**
 * End-to-end tests (`npx vitest run --config vitest.e2e.config.mts`, also `npm run test:e2e`).
 *
 * Plain Node, no Cloudflare pool: the tests talk HTTP to a real `wrangler dev` that
 * test/e2e/global-setup.ts starts on a free port with a fresh, empty state directory and stops
 * afterwards. Timeouts are generous because the first request compiles the worker.
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.test.ts"],
    environment: "node",
    globalSetup: ["./test/e2e/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 90_000,
    // One service for the whole run; files would otherwise race over the same ids.
    fileParallelism: false,
  },
});
