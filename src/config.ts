const MIB = 1024 * 1024;
/** The Cache API's largest object on every plan: "512 MB" (Cloudflare docs, Workers limits, Cache API limits). */
const CACHE_API_MAX_OBJECT_BYTES = 512 * 1000 * 1000;

/** Tunables read from wrangler vars, checked once per env object. */
export interface Config {
  /** Part size of multipart uploads to R2; R2 wants at least 5 MiB. */
  partSize: number;
  /**
   * Largest body stored with one R2 put when its length is known up front; longer ones go
   * through a multipart upload, which keeps the local runtime's memory flat (a single 1 GiB put
   * grows it by ~65-190 MiB) and is what R2 recommends for big objects. Cloudflare caps request
   * bodies at 100 MB on most plans, so in production this only matters on larger plans.
   */
  singlePutMaxBytes: number;
  /** Largest `object` part or JSON body accepted, in bytes. */
  maxJsonSize: number;
  /** Largest binary kept in the Workers Cache API; 0 turns the edge cache off. */
  edgeCacheMaxBytes: number;
  /**
   * How long an edge cache entry lives: also how long another data centre may still answer an old
   * signed link to a replaced or deleted revision from its cache.
   */
  edgeCacheTtlSeconds: number;
  /** Secrets of signed download links; the first signs, all verify. Empty: links are off. */
  linkKeys: LinkKey[];
  /** Secrets of login tokens (JWT HS256, the id is the `kid`); the first signs, all verify. Empty: no token login. */
  tokenKeys: LinkKey[];
  /** How long a login token is valid after it was issued or renewed. */
  tokenLifetimeMs: number;
  /** A cookie session whose token has less than this left is renewed on its next re-check. */
  tokenRenewBeforeMs: number;
  /** Age below which the orphan sweep leaves an unreferenced object alone. */
  orphanMinAgeMs: number;
  /** A cached login older than this is re-checked against its user row (disabled, deleted, new password). */
  authRecheckMs: number;
  /** Origins whose scripts may call the API (CORS): `*` or a comma-separated list, see http/cors.ts. */
  corsAllowedOrigins: string;
  /** Largest resumable upload, in bytes (Tus-Max-Size, Upload-Limit max-size; docs/api.md#resumable-uploads). */
  tusMaxSize: number;
  /** How long a resumable upload lives after its creation or last append. */
  uploadExpiryMs: number;
  /** Part size of resumable uploads whose length is not known yet (limits them to 9,000 parts). */
  deferredPartSize: number;
  /** How many incomplete, unexpired resumable uploads one user may have at once (docs/api.md#resumable-uploads). */
  maxOpenUploads: number;
  /** Callers whose X-Request-Id is kept (docs/api.md#request-ids-logs-and-metrics). */
  requestIdTrustedProxies: string;
  /** The Retry-After of a 429 from a rate limit: the period of the limiters' bindings (docs/api.md#rate-limits). */
  rateLimitRetryAfterSeconds: number;
  /** RATE_LIMITS_ENABLED: false turns every rate limit off, whatever bindings exist. */
  rateLimitsEnabled: boolean;
}

const cache = new WeakMap<object, Config>();

function integerVar(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got '${value}'`);
  return n;
}

/** The service's configuration; a bad variable fails loudly at the first request. */
export function readConfig(env: Env): Config {
  let config = cache.get(env);
  if (!config) {
    config = {
      partSize: integerVar("UPLOAD_PART_SIZE", env.UPLOAD_PART_SIZE, 8 * MIB, 5 * MIB),
      singlePutMaxBytes: integerVar("SINGLE_PUT_MAX_BYTES", env.SINGLE_PUT_MAX_BYTES, 100 * MIB, 0),
      maxJsonSize: integerVar("MAX_JSON_SIZE", env.MAX_JSON_SIZE, 64 * 1024, 1024),
      edgeCacheMaxBytes: Math.min(
        integerVar("EDGE_CACHE_MAX_BYTES", env.EDGE_CACHE_MAX_BYTES, CACHE_API_MAX_OBJECT_BYTES, 0),
        CACHE_API_MAX_OBJECT_BYTES,
      ),
      edgeCacheTtlSeconds: integerVar("EDGE_CACHE_TTL_SECONDS", env.EDGE_CACHE_TTL_SECONDS, 300, 1),
      linkKeys: parseLinkKeys(env.LINK_SIGNING_KEYS),
      tokenKeys: parseKeyring("TOKEN_SIGNING_KEYS", env.TOKEN_SIGNING_KEYS),
      tokenLifetimeMs: integerVar("TOKEN_LIFETIME_SECONDS", env.TOKEN_LIFETIME_SECONDS, 1_209_600, 60) * 1000,
      tokenRenewBeforeMs: integerVar("TOKEN_RENEW_BEFORE_SECONDS", env.TOKEN_RENEW_BEFORE_SECONDS, 604_800, 0) * 1000,
      orphanMinAgeMs: integerVar("ORPHAN_MIN_AGE_SECONDS", env.ORPHAN_MIN_AGE_SECONDS, 3600, 0) * 1000,
      authRecheckMs: integerVar("AUTH_RECHECK_SECONDS", env.AUTH_RECHECK_SECONDS, 5, 0) * 1000,
      corsAllowedOrigins: env.CORS_ALLOWED_ORIGINS?.trim() || "*",
      tusMaxSize: integerVar("TUS_MAX_SIZE", env.TUS_MAX_SIZE, 1024 * 1024 * MIB, 0),
      uploadExpiryMs: integerVar("RESUMABLE_EXPIRY_SECONDS", env.RESUMABLE_EXPIRY_SECONDS, 86_400, 60) * 1000,
      deferredPartSize: integerVar("RESUMABLE_DEFERRED_PART_SIZE", env.RESUMABLE_DEFERRED_PART_SIZE, 64 * MIB, 5 * MIB),
      maxOpenUploads: integerVar("RESUMABLE_MAX_OPEN_UPLOADS", env.RESUMABLE_MAX_OPEN_UPLOADS, 100, 1),
      requestIdTrustedProxies: env.REQUEST_ID_TRUSTED_PROXIES?.trim() ?? "",
      rateLimitsEnabled: env.RATE_LIMITS_ENABLED?.trim().toLowerCase() !== "false",
      rateLimitRetryAfterSeconds: integerVar(
        "RATE_LIMIT_RETRY_AFTER_SECONDS",
        env.RATE_LIMIT_RETRY_AFTER_SECONDS,
        60,
        1,
      ),
    };
    cache.set(env, config);
  }
  return config;
}

/** One secret of signed download links and the id links name it by. */
export interface LinkKey {
  id: string;
  secret: string;
}

/** Parses `LINK_SIGNING_KEYS`: `id:secret` pairs separated by commas; the first signs new links. */
export function parseLinkKeys(value: string | undefined): LinkKey[] {
  return parseKeyring("LINK_SIGNING_KEYS", value);
}

/** Parses a keyring variable (`LINK_SIGNING_KEYS`, `TOKEN_SIGNING_KEYS`): `id:secret` pairs; the first signs. */
export function parseKeyring(name: string, value: string | undefined): LinkKey[] {
  if (value === undefined || value.trim() === "") return [];
  return value.split(",").map((entry) => {
    const at = entry.indexOf(":");
    const id = entry.slice(0, at).trim();
    const secret = entry.slice(at + 1).trim();
    if (at < 1 || !/^[A-Za-z0-9_-]{1,32}$/.test(id) || secret.length < 16) {
      throw new Error(
        `${name} must be 'id:secret' pairs separated by commas (id [A-Za-z0-9_-], secret >= 16 characters)`,
      );
    }
    return { id, secret };
  });
}
