import { and, eq, lt } from "drizzle-orm";
import type { Database } from "./client";
import { r2Multiparts } from "./schema";

export type TrackedMultipart = typeof r2Multiparts.$inferSelect;

/** Records an R2 multipart upload as soon as it is created. */
export async function trackMultipart(
  db: Database,
  upload: { key: string; uploadId: string; purpose: string },
  now = Date.now(),
): Promise<void> {
  await db
    .insert(r2Multiparts)
    .values({ ...upload, createdAtMs: now })
    .onConflictDoNothing();
}

/** Forgets an upload once it is completed (and its object referenced) or aborted. */
export async function untrackMultipart(db: Database, uploadId: string): Promise<void> {
  await db.delete(r2Multiparts).where(eq(r2Multiparts.uploadId, uploadId));
}

/** The statement that forgets the uploads of `key`, for a commit batch. */
export function untrackKey(db: Database, key: string) {
  return db.delete(r2Multiparts).where(eq(r2Multiparts.key, key));
}

/** Uploads of `purpose` created before `before` (ms), oldest first. */
export async function staleMultiparts(
  db: Database,
  purpose: string,
  before: number,
  limit = 100,
): Promise<TrackedMultipart[]> {
  return db
    .select()
    .from(r2Multiparts)
    .where(and(eq(r2Multiparts.purpose, purpose), lt(r2Multiparts.createdAtMs, before)))
    .orderBy(r2Multiparts.createdAtMs)
    .limit(limit)
    .all();
}
