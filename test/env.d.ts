import type { D1Migration } from "@cloudflare/vitest-plugin";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      STALE_REPLICA: D1Database;
      /** A real (miniflare) rate limiter allowing 3 requests per key and minute (vitest.config.mts). */
      TIGHT_RATE_LIMITER: RateLimit;
    }
  }
}
