import { createMiddleware } from "hono/factory";
import { readConfig } from "../config";
import type { AppEnv } from "../env";
import { rateLimited } from "../errors";
import {
  addressCheck,
  callerChecks,
  firstExceeded,
  type LimitCheck,
  type LimitScope,
  linkCheck,
} from "../limits/rate-limits";

const WHO: Record<LimitScope, string> = {
  tenant: "Your tenant",
  login: "This login",
  link: "This link",
  address: "Your address (logins not yet verified)",
};

type LimitContext = { env: Env; set: (key: "limitedBy", value: string) => void };

/** A request of a login and its tenant (docs/api.md#rate-limits): 429 when either is over its limit. */
export function enforceCallerLimits(c: LimitContext, tenant: string, userName: string): Promise<void> {
  const limiters = { tenant: c.env.TENANT_RATE_LIMITER, login: c.env.LOGIN_RATE_LIMITER };
  return enforceLimits(c, callerChecks(limiters, tenant, userName));
}

/** A signed-link download, counted against the link's own limit (named by what it grants). */
export function enforceLinkLimit(c: LimitContext, link: Parameters<typeof linkCheck>[1]): Promise<void> {
  return enforceLimits(c, [linkCheck(c.env.LINK_RATE_LIMITER, link)]);
}

/** Answers 429 with Retry-After when one of `checks` is over its limit; notes which for the log line. */
async function enforceLimits(c: LimitContext, checks: readonly LimitCheck[]): Promise<void> {
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
  await enforceCallerLimits(c, c.var.principal.tenant, c.var.principal.userName);
  await next();
});

/**
 * Before a password is checked (docs/api.md#rate-limits): counts the attempt against the client
 * address's limit of unverified logins; 429 over it, before any D1 work or PBKDF2.
 */
export function limitLoginAttempt(c: LimitContext, address?: string) {
  return () => enforceLimits(c, [addressCheck(c.env.ADDRESS_RATE_LIMITER, address)]);
}
