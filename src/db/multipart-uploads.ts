import { and, eq, lt } from "drizzle-orm";
import type { Database } from "./client";
import { multipartUploads } from "./schema";

export type TrackedUpload = typeof multipartUploads.$inferSelect;

/** Records an R2 multipart upload as soon as it is created. */
export async function trackMultipartUpload(
  db: Database,
  upload: { key: string; uploadId: string; purpose: string },
  now = Date.now(),
): Promise<void> {
  await db
    .insert(multipartUploads)
    .values({ ...upload, createdAtMs: now })
    .onConflictDoNothing();
}

/** Forgets an upload once it is completed (and its object referenced) or aborted. */
export async function untrackMultipartUpload(db: Database, uploadId: string): Promise<void> {
  await db.delete(multipartUploads).where(eq(multipartUploads.uploadId, uploadId));
}

/** The statement that forgets the uploads of `key`, for a commit batch. */
export function untrackKey(db: Database, key: string) {
  return db.delete(multipartUploads).where(eq(multipartUploads.key, key));
}

/** Uploads of `purpose` created before `before` (ms), oldest first. */
export async function staleMultipartUploads(
  db: Database,
  purpose: string,
  before: number,
  limit = 100,
): Promise<TrackedUpload[]> {
  return db
    .select()
    .from(multipartUploads)
    .where(and(eq(multipartUploads.purpose, purpose), lt(multipartUploads.createdAtMs, before)))
    .orderBy(multipartUploads.createdAtMs)
    .limit(limit)
    .all();
}
