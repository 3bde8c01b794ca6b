import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { readTopology } from "../src/shards/topology";

// Every shard (issue 19) gets the same migrations.
for (const shard of readTopology(env).shards) await applyD1Migrations(shard.d1, env.TEST_MIGRATIONS);
