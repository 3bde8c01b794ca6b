import { and, asc, count, eq, type SQLWrapper, sql } from "drizzle-orm";
import type { Database } from "./client";
import { insertWhere } from "./insert-where";
import { counters, type TenantUsageRow, tenantDirectory, tenants, tenantUsage, type UserRow, users } from "./schema";
import { noteUsage } from "./usage-hints";

/** The user `userName` of `tenant`, if any. */
export async function findUser(db: Database, tenant: string, userName: string): Promise<UserRow | undefined> {
  return db
    .select()
    .from(users)
    .where(and(eq(users.tenant, tenant), eq(users.userName, userName)))
    .get();
}

/**
 * The tenant still lives in this shard (issue 19): it was not moved away (`moving` 2) nor deleted.
 * Logins and their re-checks ask this, so a moved tenant's logins fail here and are routed anew.
 */
export const residentTenant = (tenant: SQLWrapper) =>
  sql`EXISTS (SELECT 1 FROM ${tenants} WHERE ${tenants.id} = ${tenant} AND ${tenants.moving} < 2)`;

/**
 * A user row with its tenant's usage row (null: none yet), read in one statement: every login and
 * re-check tells this isolate the tenant's quota and usage for free (db/usage-hints).
 */
export interface UserWithUsage {
  user: UserRow;
  usage: Pick<TenantUsageRow, "storageQuota" | "storedBytes" | "metadataBytes" | "uploadReservedBytes"> | null;
}

/**
 * The usage columns a lookup joins: not `tenant`, whose name the user's own column has (drizzle maps
 * a D1 batch's rows by column name, so a second `tenant` would overwrite the user's).
 */
export const usageColumns = {
  storageQuota: tenantUsage.storageQuota,
  storedBytes: tenantUsage.storedBytes,
  metadataBytes: tenantUsage.metadataBytes,
  uploadReservedBytes: tenantUsage.uploadReservedBytes,
};

/** The user of a lookup; its tenant's usage goes to this isolate's hints (db/usage-hints). */
function userOf(found: UserWithUsage | undefined): UserRow | undefined {
  if (found) noteUsage(found.user.tenant, found.usage);
  return found?.user;
}

/** The user `userName` of `tenant` while the tenant lives in this shard (a login's re-check). */
export async function findResidentUser(db: Database, tenant: string, userName: string): Promise<UserRow | undefined> {
  const found = await db
    .select({ user: users, usage: usageColumns })
    .from(users)
    .leftJoin(tenantUsage, eq(tenantUsage.tenant, users.tenant))
    .where(and(eq(users.tenant, tenant), eq(users.userName, userName), residentTenant(users.tenant)))
    .get();
  return userOf(found);
}

/**
 * The statement that looks up a login: `tenant/user`, or without a tenant the users of that name
 * across tenants (at most 2 are read; see `loginUser`). A statement, so it can share a batch.
 */
export function loginLookup(db: Database, tenant: string | undefined, userName: string) {
  const where =
    tenant === undefined ? eq(users.userName, userName) : and(eq(users.tenant, tenant), eq(users.userName, userName));
  return db
    .select({ user: users, usage: usageColumns })
    .from(users)
    .leftJoin(tenantUsage, eq(tenantUsage.tenant, users.tenant))
    .where(and(where, residentTenant(users.tenant)))
    .limit(2);
}

/** The user a login lookup found: the only match (a name in several tenants needs the tenant prefix). */
export function loginUser(matches: UserWithUsage[]): UserRow | undefined {
  return matches.length === 1 ? userOf(matches[0]) : undefined;
}

/** A new user as the API or the bootstrap describes it. */
export interface NewUser {
  tenant: string;
  userName: string;
  /** Already hashed by auth/passwords: this module never sees a password. */
  passwordHash: string;
  roles: readonly string[];
  email?: string | null;
  enabled?: boolean;
  firstName?: string | null;
  lastName?: string | null;
  phone?: string | null;
}

/** 128 random bits, hex: a user's identity that no later user of the same name gets. */
function newUserId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The row of a new user. */
export function userValues(user: NewUser): typeof users.$inferInsert {
  const { tenant, userName, passwordHash } = user;
  return {
    tenant,
    userName,
    passwordHash,
    roles: [...user.roles],
    email: user.email ?? null,
    enabled: user.enabled ?? true,
    firstName: user.firstName ?? null,
    lastName: user.lastName ?? null,
    phone: user.phone ?? null,
    creationTime: new Date().toISOString(),
    uid: newUserId(),
  };
}

/** Inserts a user unless one of that name exists in the tenant; returns the row when created. */
export async function createUserIfAbsent(db: Database, user: NewUser): Promise<UserRow | undefined> {
  const [row] = await db.insert(users).values(userValues(user)).onConflictDoNothing().returning();
  return row;
}

/** A tenant's users, optionally only those whose name starts with `prefix` (case-sensitive). */
function usersWhere(tenant: string, prefix: string | undefined) {
  // substr() rather than LIKE: no wildcards to escape, no pattern length cap.
  const byPrefix = prefix ? sql`substr(${users.userName}, 1, ${[...prefix].length}) = ${prefix}` : undefined;
  return and(eq(users.tenant, tenant), byPrefix);
}

/** One page of a tenant's users, by name. */
export async function listUsers(
  db: Database,
  tenant: string,
  limit: number,
  offset: number,
  prefix?: string,
): Promise<UserRow[]> {
  return db
    .select()
    .from(users)
    .where(usersWhere(tenant, prefix))
    .orderBy(asc(users.userName))
    .limit(limit)
    .offset(offset)
    .all();
}

/** How many users a tenant has (with names starting with `prefix`, when given). */
export async function countUsers(db: Database, tenant: string, prefix?: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users).where(usersWhere(tenant, prefix));
  return row?.n ?? 0;
}

/** The fields of a user that the user API changes; undefined leaves a field as it is. */
export interface UserChange {
  passwordHash?: string;
  email?: string | null;
  enabled?: boolean;
  firstName?: string | null;
  lastName?: string | null;
  phone?: string | null;
}

/** Changes a user's fields; a new password also sets lastPasswordChange. Returns the updated row. */
export async function updateUser(
  db: Database,
  tenant: string,
  userName: string,
  change: UserChange,
): Promise<UserRow | undefined> {
  const set: Partial<UserRow> = {};
  for (const key of ["passwordHash", "email", "enabled", "firstName", "lastName", "phone"] as const) {
    if (change[key] !== undefined) Object.assign(set, { [key]: change[key] });
  }
  if (change.passwordHash !== undefined) set.lastPasswordChange = new Date().toISOString();
  if (Object.keys(set).length === 0) return findUser(db, tenant, userName);
  const [row] = await db
    .update(users)
    .set(set)
    .where(and(eq(users.tenant, tenant), eq(users.userName, userName)))
    .returning();
  return row;
}

/** Whether the user's role list holds `role`, as SQL. */
const holds = (role: string) => sql`EXISTS (SELECT 1 FROM json_each(${users.roles}) WHERE value = ${role})`;

/**
 * Adds one role in a single UPDATE (no read-modify-write), so concurrent grants to one user all
 * stay; a role already held is left as is.
 */
export async function grantRole(db: Database, tenant: string, userName: string, role: string): Promise<void> {
  await db
    .update(users)
    .set({ roles: sql`json_insert(${users.roles}, '$[#]', ${role})` })
    .where(and(eq(users.tenant, tenant), eq(users.userName, userName), sql`NOT ${holds(role)}`));
}

/** Removes one role in a single UPDATE; false when the user did not hold it. */
export async function revokeRole(db: Database, tenant: string, userName: string, role: string): Promise<boolean> {
  const rows = await db
    .update(users)
    .set({ roles: sql`(SELECT json_group_array(value) FROM json_each(${users.roles}) WHERE value != ${role})` })
    .where(and(eq(users.tenant, tenant), eq(users.userName, userName), holds(role)))
    .returning({ userName: users.userName });
  return rows.length === 1;
}

/** Deletes a user; returns whether one was deleted. */
export async function deleteUser(db: Database, tenant: string, userName: string): Promise<boolean> {
  const deleted = await db
    .delete(users)
    .where(and(eq(users.tenant, tenant), eq(users.userName, userName)))
    .returning({ userName: users.userName });
  return deleted.length === 1;
}

/** Inserts a tenant unless it exists. */
export async function createTenantIfAbsent(db: Database, id: string, domain?: string): Promise<void> {
  await db
    .insert(tenants)
    .values({ id, domain: domain ?? null, company: null, creationTime: sql`strftime('%Y-%m-%dT%H:%M:%fZ','now')` })
    .onConflictDoNothing();
}

/** The `counters` row whose presence says the bootstrap admin was created once. */
const BOOTSTRAP_MARKER = "bootstrapAdmin";

/** Whether the bootstrap admin was ever created. */
export async function bootstrapDone(db: Database): Promise<boolean> {
  return (await db.select().from(counters).where(eq(counters.name, BOOTSTRAP_MARKER)).get()) !== undefined;
}

/**
 * Creates the bootstrap tenant and admin unless the marker row exists, in one batch: the marker is
 * inserted with a random token, and the tenant, user and directory row only where the marker holds that token, so
 * of concurrent isolates exactly one creates them, and nobody ever again.
 */
export async function createBootstrapAdminOnce(db: Database, admin: NewUser): Promise<void> {
  const token = crypto.getRandomValues(new Uint32Array(1))[0] ?? 1;
  const mine = sql`(SELECT ${counters.value} FROM ${counters} WHERE ${counters.name} = ${BOOTSTRAP_MARKER}) = ${token}`;
  const creationTime = new Date().toISOString();
  const tenant = { id: admin.tenant, domain: null, company: null, creationTime, moving: 0 };
  // The first tenant lives in the directory's own database (shard 0, default region: issue 19).
  const placement = { id: admin.tenant, domain: null, company: null, creationTime, shard: 0, region: null };
  const directoryRow = { ...placement, state: "active", changedMs: Date.now() };
  await db.batch([
    db.insert(counters).values({ name: BOOTSTRAP_MARKER, value: token }).onConflictDoNothing(),
    insertWhere(db, tenants, tenant, mine).onConflictDoNothing(),
    insertWhere(db, users, userValues(admin), mine).onConflictDoNothing(),
    insertWhere(db, tenantDirectory, directoryRow, mine).onConflictDoNothing(),
  ]);
}

/** The tenants that have a user of this name (at most 2 are read: a login needs exactly one). */
export async function tenantsWithUser(db: Database, userName: string): Promise<string[]> {
  const rows = await db.select({ tenant: users.tenant }).from(users).where(eq(users.userName, userName)).limit(2);
  return rows.map((row) => row.tenant);
}
