import { createMiddleware } from "hono/factory";
import { readConfig } from "../config";
import type { AppEnv } from "../env";
import { rateLimited } from "../errors";
import { addressCheck, callerChecks, firstExceeded, type LimitCheck, type LimitScope } from "../limits/rate-limits";

const WHO: Record<LimitScope, string> = {
  tenant: "Your tenant",
  login: "This login",
  link: "This link",
  address: "Your address (logins not yet verified)",
};

/** Answers 429 with Retry-After when one of `checks` is over its limit; notes which for the log line. */
export async function enforceLimits(
  c: { env: Env; set: (key: "limitedBy", value: string) => void },
  checks: readonly LimitCheck[],
): Promise<void> {
  if (!readConfig(c.env).rateLimitsEnabled) return;
  const exceeded = await firstExceeded(checks);
  if (exceeded === undefined) return;
  c.set("limitedBy", exceeded);
  throw rateLimited(WHO[exceeded], readConfig(c.env).rateLimitRetryAfterSeconds);
}

/**
 * After authentication: the request counts against its tenant's and its login's rate limits
 * (docs/api.md#rate-limits); over either, it is answered 429 before any work.
 */
export const rateLimit = createMiddleware<AppEnv>(async function rateLimit(c, next) {
  const { tenant, userName } = c.var.principal;
  const limiters = { tenant: c.env.TENANT_RATE_LIMITER, login: c.env.LOGIN_RATE_LIMITER };
  await enforceLimits(c, callerChecks(limiters, tenant, userName));
  await next();
});

/**
 * Before a password is checked (docs/api.md#rate-limits): counts the attempt against the client
 * address's limit of unverified logins; 429 over it, before any D1 work or PBKDF2.
 */
export function limitLoginAttempt(c: { env: Env; set: (key: "limitedBy", value: string) => void }, address?: string) {
  return () => enforceLimits(c, [addressCheck(c.env.ADDRESS_RATE_LIMITER, address)]);
}
