/**
 * What this isolate last saw of each tenant's quota and usage (docs/api.md#usage-and-quotas), so an
 * upload whose size is known before its bytes are stored pays a usage read only when it could cross
 * the tenant's quota. Seen for free: every login lookup and re-check (Basic, token) reads the tenant's
 * usage row in the same statement as the user; statistics reads, quota refusals and the reads made
 * here refresh it, and this isolate's own commits add what they stored. A hint never refuses anything:
 * a refusal always comes from a fresh read (or from the commit's own condition, the exact check).
 */
import type { TenantUsageRow } from "./schema";

interface Hint {
  /** null: the tenant has no quota. */
  quota: number | null;
  /** Stored bytes and metadata plus what unfinished uploads reserve. */
  used: number;
  atMs: number;
}

const hints = new Map<string, Hint>();
const MAX_HINTS = 10_000;

/** Remembers a tenant's quota and usage as just read (a missing usage row: no quota, nothing used). */
export function noteUsage(
  tenant: string,
  usage:
    | Pick<TenantUsageRow, "storageQuota" | "storedBytes" | "metadataBytes" | "uploadReservedBytes">
    | null
    | undefined,
  now = Date.now(),
): void {
  if (hints.size >= MAX_HINTS && !hints.has(tenant)) hints.clear();
  hints.set(tenant, {
    quota: usage?.storageQuota ?? null,
    used: usage ? usage.storedBytes + usage.metadataBytes + usage.uploadReservedBytes : 0,
    atMs: now,
  });
}

/** This isolate committed a write that changed the tenant's usage by `bytes` (negative: freed). */
export function noteCommitted(tenant: string, bytes: number): void {
  const hint = hints.get(tenant);
  if (hint) hint.used = Math.max(0, hint.used + bytes);
}

/** Forgets what this isolate knows of a tenant's quota (its quota was changed here). */
export function forgetUsageHint(tenant: string): void {
  hints.delete(tenant);
}

/** Forgets every hint, as in a fresh isolate (tests). */
export function forgetUsageHints(): void {
  hints.clear();
}

/**
 * True when a hint no older than `maxAgeMs` says adding `extraBytes` keeps the tenant within its
 * quota (or that it has none); false when there is no such hint or it says the write could cross.
 */
export function fitsByHint(tenant: string, extraBytes: number, maxAgeMs: number, now = Date.now()): boolean {
  const hint = hints.get(tenant);
  if (!hint || now - hint.atMs > maxAgeMs) return false;
  return hint.quota === null || hint.used + extraBytes <= hint.quota;
}
