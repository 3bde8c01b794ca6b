/**
 * db/: everything D1. This file is the drizzle schema (one table per concern); client.ts opens the connection
 * (D1 sessions, bookmarks, the primary); the other files hold the queries per table. Services call them;
 * routes never do (only db/client).
 */
import { sql } from "drizzle-orm";
import { customType, index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { jsonDepth, MAX_JSON_DEPTH, valueDepth } from "../utils/json-depth";

/**
 * A managed object's fragments, stored as JSON text. Reading is total: a row stored before the
 * depth limit existed may hold fragments too deep for JSON.stringify (which recurses), and those
 * fragments are left out of what is read rather than failing every GET and list that meets them.
 */
const fragmentsJson = customType<{ data: Record<string, unknown>; driverData: string }>({
  dataType: () => "text",
  toDriver: (value) => JSON.stringify(value),
  fromDriver: (text) => {
    const value = JSON.parse(text) as Record<string, unknown>;
    if (jsonDepth(text, MAX_JSON_DEPTH + 1) <= MAX_JSON_DEPTH + 1) return value;
    return Object.fromEntries(Object.entries(value).filter(([, v]) => valueDepth(v, MAX_JSON_DEPTH) <= MAX_JSON_DEPTH));
  },
});

/** Tenants; `management` is the platform tenant whose admins manage the others. */
export const tenants = sqliteTable("tenants", {
  id: text("id").primaryKey(),
  domain: text("domain"),
  company: text("company"),
  creationTime: text("creation_time").notNull(),
  /**
   * A move to another shard (issue 19): 1 while its rows are copied, 2 once copied and the
   * directory switched (this shard's copy waits to be removed). Writes to the tenant's rows fail
   * with TENANT_MOVING while it is not 0 (triggers, migrations/0010_issue19_moves.sql).
   */
  moving: integer("moving").notNull().default(0),
});

/** Users of a tenant; passwords only as PBKDF2 hashes, roles as a JSON array of role ids. */
export const users = sqliteTable(
  "users",
  {
    tenant: text("tenant").notNull(),
    userName: text("user_name").notNull(),
    passwordHash: text("password_hash").notNull(),
    email: text("email"),
    roles: text("roles", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    creationTime: text("creation_time").notNull(),
    /** A disabled user cannot log in (401), whatever its password. */
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    firstName: text("first_name"),
    lastName: text("last_name"),
    phone: text("phone"),
    lastPasswordChange: text("last_password_change"),
    /**
     * A random id given when the user is created: a user deleted and created again under the same
     * name (or in a tenant created again under the same id) gets a new one, so nothing owned by
     * the old user (an open resumable upload) passes to the new one. Rows created before the column
     * existed got theirs from the migration.
     */
    uid: text("uid").notNull().default(""),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.userName] }), index("users_by_name").on(t.userName)],
);

/**
 * Named counters. `managedObjectId` is the last managed object id handed out; the insert of a
 * binary's row takes the next one in the same D1 batch, after the bytes are in R2
 * (docs/api.md#consistency-between-r2-and-d1).
 */
export const counters = sqliteTable("counters", {
  name: text("name").primaryKey(),
  value: integer("value").notNull(),
});

/** One row per binary: the managed object, plus where its bytes live in R2. */
export const binaries = sqliteTable(
  "binaries",
  {
    id: integer("id").primaryKey(),
    tenant: text("tenant").notNull(),
    name: text("name").notNull(),
    type: text("type").notNull(),
    owner: text("owner").notNull(),
    creationTime: text("creation_time").notNull(),
    lastUpdated: text("last_updated").notNull(),
    contentType: text("content_type").notNull(),
    length: integer("length").notNull(),
    md5: text("md5").notNull(),
    revpos: integer("revpos").notNull(),
    r2Key: text("r2_key").notNull(),
    fragments: fragmentsJson("fragments").notNull(),
  },
  (t) => [
    index("binaries_by_tenant").on(t.tenant, t.id),
    index("binaries_by_type").on(t.tenant, t.type, t.id),
    index("binaries_by_owner").on(t.tenant, t.owner, t.id),
    index("binaries_by_key").on(t.r2Key),
  ],
);

export type BinaryRow = typeof binaries.$inferSelect;
export type UserRow = typeof users.$inferSelect;

/**
 * The login throttle's record per key (login as sent + client address), so repeated guessing is slowed
 * down across all isolates: failed logins of the window (they block) and attempts in flight (`pending`,
 * capped; a right password is never counted as a failure). A row disappears on the next successful login.
 */
export const loginFailures = sqliteTable("login_failures", {
  login: text("login").primaryKey(),
  failures: integer("failures").notNull(),
  firstFailureMs: integer("first_failure_ms").notNull(),
  blockedUntilMs: integer("blocked_until_ms").notNull(),
  pending: integer("pending").notNull().default(0),
  lastAttemptMs: integer("last_attempt_ms").notNull().default(0),
});

/**
 * Resumable uploads in progress (docs/api.md#resumable-uploads): one row per upload resource. Bytes live in R2
 * (an R2 multipart upload under `r2_key` plus a temporary tail object); this row is the only record
 * of them, so the sweep can abort and delete whatever an expired or abandoned upload left.
 * `parts` and `digests` are JSON text owned by the resumable service. The SQL table keeps its first
 * name, `uploads` (renaming a D1 table needs a migration that copies it; the TypeScript name is what code reads).
 */
export const resumables = sqliteTable(
  "uploads",
  {
    id: text("id").primaryKey(),
    tenant: text("tenant").notNull(),
    /** The owner's user name (the binary's `owner` once complete). */
    owner: text("owner").notNull(),
    /** The owner's `users.uid`: who the upload belongs to (a re-created user of that name is someone else). */
    ownerId: text("owner_id").notNull().default(""),
    createdMs: integer("created_ms").notNull(),
    expiresMs: integer("expires_ms").notNull(),
    /** Bytes the whole file will have; null until a deferred length is declared. */
    length: integer("length"),
    /** Bytes received and stored so far (parts + tail). */
    received: integer("received").notNull(),
    partSize: integer("part_size").notNull(),
    parts: text("parts").notNull(),
    /** The next R2 part number never handed out (each part attempt takes a fresh one). */
    nextPart: integer("next_part").notNull(),
    r2Key: text("r2_key").notNull(),
    multipartId: text("multipart_id"),
    tailKey: text("tail_key"),
    tailLength: integer("tail_length").notNull(),
    digests: text("digests").notNull(),
    /** The binary the upload replaces, or the one it created once complete. */
    binaryId: integer("binary_id"),
    replace: integer("replace", { mode: "boolean" }).notNull(),
    ifMatch: text("if_match"),
    name: text("name").notNull(),
    type: text("type").notNull(),
    contentType: text("content_type").notNull(),
    fragments: text("fragments", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    /** Upload-Metadata as the client sent it, echoed by HEAD. */
    metadata: text("metadata"),
    lockToken: text("lock_token"),
    lockUntilMs: integer("lock_until_ms").notNull(),
    completedMs: integer("completed_ms"),
  },
  (t) => [index("uploads_by_owner_id").on(t.ownerId, t.createdMs), index("uploads_by_expiry").on(t.expiresMs)],
);

export type ResumableRow = typeof resumables.$inferSelect;

/**
 * R2 multipart uploads in progress (the R2 binding cannot list them), so the sweep can abort the
 * ones a crash left behind. Shared by every feature that uploads in parts; `purpose` names it. The SQL
 * table keeps its first name, `multipart_uploads`; code calls these "R2 multiparts".
 */
export const r2Multiparts = sqliteTable(
  "multipart_uploads",
  {
    uploadId: text("upload_id").primaryKey(),
    key: text("key").notNull(),
    purpose: text("purpose").notNull(),
    createdAtMs: integer("created_at_ms").notNull(),
  },
  (t) => [index("multipart_uploads_by_key").on(t.key), index("multipart_uploads_by_age").on(t.purpose, t.createdAtMs)],
);

/** R2 keys the orphan sweep claimed before deleting them: no row may be committed pointing at one. */
export const sweptKeys = sqliteTable("swept_keys", {
  key: text("key").primaryKey(),
  sweptAtMs: integer("swept_at_ms").notNull(),
});

/** Recently deleted tenants, whose ids are not reused while anything of them may remain. */
export const deletedTenants = sqliteTable("deleted_tenants", {
  id: text("id").primaryKey(),
  deletedAtMs: integer("deleted_at_ms").notNull(),
});

/**
 * Token logins (docs/api.md#token-login): one row per session a token names by its `jti`. A token
 * is honoured only while its row exists, its user is still there and enabled, and the user's
 * password hash still has the stamp taken at login (a new password, or a user deleted and created
 * again, changes it). Logout deletes the row; the cron deletes rows past their expiry.
 */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    tenant: text("tenant").notNull(),
    userName: text("user_name").notNull(),
    passwordStamp: text("password_stamp").notNull(),
    createdMs: integer("created_ms").notNull(),
    expiresMs: integer("expires_ms").notNull(),
  },
  (t) => [index("sessions_by_user").on(t.tenant, t.userName), index("sessions_by_expiry").on(t.expiresMs)],
);

export type SessionRow = typeof sessions.$inferSelect;

/**
 * Per-tenant usage and storage quota (docs/api.md#usage-and-quotas), one row per tenant in the
 * tenant's database. The counters are kept exact by SQLite triggers on `binaries` and `uploads`
 * (migrations/0008_issue20_tenant_usage.sql): never written by the service, only read. The quota is
 * written by the platform admin (null: unlimited).
 */
export const tenantUsage = sqliteTable("tenant_usage", {
  tenant: text("tenant").primaryKey(),
  storageQuota: integer("storage_quota"),
  storedBytes: integer("stored_bytes").notNull().default(0),
  binaries: integer("binaries").notNull().default(0),
  /** Bytes received so far by unfinished resumable uploads. */
  uploadReceivedBytes: integer("upload_received_bytes").notNull().default(0),
  /** What unfinished resumable uploads hold against the quota: their declared length, else what they received. */
  uploadReservedBytes: integer("upload_reserved_bytes").notNull().default(0),
  uploads: integer("uploads").notNull().default(0),
  /** UTF-8 bytes of the binaries' name, type and fragments as stored (migrations/0012_issue20_metadata_usage.sql). */
  metadataBytes: integer("metadata_bytes").notNull().default(0),
});

export type TenantUsageRow = typeof tenantUsage.$inferSelect;

/**
 * The tenant directory (issue 19, docs/scaling.md "Shards"): which shard (D1 database) holds each
 * tenant, and in which region its bytes live. Only the directory database (binding DB, shard 0)
 * uses it. `region` null is the deployment's default region. `state`: `creating` until the tenant's
 * rows are in its shard (routing ignores it), `active`, `moving` while a move copies its rows
 * (writes wait).
 */
export const tenantDirectory = sqliteTable(
  "tenant_directory",
  {
    id: text("id").primaryKey(),
    shard: integer("shard").notNull(),
    region: text("region"),
    company: text("company"),
    domain: text("domain"),
    creationTime: text("creation_time").notNull(),
    state: text("state").notNull().default("active"),
    changedMs: integer("changed_ms").notNull().default(0),
  },
  (t) => [index("tenant_directory_by_shard").on(t.shard)],
);

export type DirectoryRow = typeof tenantDirectory.$inferSelect;
