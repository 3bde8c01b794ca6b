/**
 * Fair limits (docs/api.md#rate-limits): requests per tenant, per login and per signed link, and
 * password checks per client address before any login, counted by Cloudflare's Rate Limiting
 * binding. Each binding is optional (absent: that limit is off). The binding keeps its counters at
 * the edge, so a check costs no D1 round trip; it answers only yes or no, so the wait a refusal
 * names is the binding's period (RATE_LIMIT_RETRY_AFTER_SECONDS).
 */

/** Which limit refused a request; also the field `limited` of its log line. */
export type LimitScope = "tenant" | "login" | "link" | "address";

/** One check: a binding (maybe absent) and the key counted in it. */
export interface LimitCheck {
  scope: LimitScope;
  limiter: RateLimit | undefined;
  key: string;
}

/**
 * Counts the request in every check's limiter (all at once) and names the first scope that is over
 * its limit, or undefined. A limiter that fails answers "allowed": a broken counter must not take
 * the service down.
 */
export async function firstExceeded(checks: readonly LimitCheck[]): Promise<LimitScope | undefined> {
  const outcomes = await Promise.all(
    checks.map(async ({ limiter, key }) => {
      if (!limiter) return true;
      try {
        return (await limiter.limit({ key })).success;
      } catch (err) {
        console.error("rate limiter failed", err);
        return true;
      }
    }),
  );
  const index = outcomes.indexOf(false);
  return index < 0 ? undefined : checks[index]?.scope;
}

/** The checks of an authenticated request: its tenant and its login. */
export function callerChecks(
  limiters: { tenant: RateLimit | undefined; login: RateLimit | undefined },
  tenant: string,
  userName: string,
): LimitCheck[] {
  return [
    { scope: "tenant", limiter: limiters.tenant, key: `tenant:${tenant}` },
    { scope: "login", limiter: limiters.login, key: `login:${tenant}/${userName}` },
  ];
}

/**
 * The check of a signed-link download: the link is named by what it grants (tenant, binary, revision,
 * expiry), never by its signature, so the key holds no secret.
 */
export function linkCheck(
  limiter: RateLimit | undefined,
  link: { tenant: string; id: number; revision: number; expires: number },
): LimitCheck {
  return { scope: "link", limiter, key: `link:${link.tenant}:${link.id}:${link.revision}:${link.expires}` };
}

/**
 * The check of a password about to be checked (a login not in the credential cache, a token login),
 * per client address (CF-Connecting-IP; `-` when absent, as locally): it bounds the D1 work and
 * PBKDF2 hashes that unauthenticated callers can cause, whatever logins they name.
 */
export function addressCheck(limiter: RateLimit | undefined, address: string | undefined): LimitCheck {
  return { scope: "address", limiter, key: `address:${address?.trim() || "-"}` };
}
