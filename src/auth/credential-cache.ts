import { bytesToBase64 } from "../utils/base64";

/**
 * A short-lived, per-isolate memory of Authorization headers that verified, so PBKDF2 runs once
 * per login per isolate instead of on every request. Keyed by a SHA-256 of the header, so no
 * password is held in memory in the clear.
 */
export class CredentialCache<T> {
  private readonly entries = new Map<string, { value: T; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  /** The cache key of a header value. */
  static async keyOf(header: string): Promise<string> {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(header));
    return bytesToBase64(new Uint8Array(digest));
  }

  get(key: string, now = Date.now()): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: T, now = Date.now()): void {
    if (this.entries.size >= this.maxEntries) {
      // Maps iterate in insertion order: drop the oldest entry.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, expires: now + this.ttlMs });
  }

  /** Forgets one entry. */
  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets every entry for which `predicate` holds (a changed password or role list). */
  deleteWhere(predicate: (value: T) => boolean): void {
    for (const [key, entry] of this.entries) if (predicate(entry.value)) this.entries.delete(key);
  }
}
