import type { Database } from "./client";

/**
 * Copying one tenant's rows between shards (issue 19, tenants/move.ts). Generic over the tables a
 * tenant owns: each is read a page at a time by rowid and written with INSERT OR REPLACE, so a copy
 * can be run again and again and ends with the same rows. Plain D1 statements: drizzle's raw `run`
 * cannot join a batch, and the column names are the table's own, as D1 returns them.
 */

interface Selector {
  where: string;
  params: unknown[];
}

/** Rows whose `column` starts with `prefix` (which ends in "/"; "0" follows "/"). */
const prefixed = (column: string, prefix: string): Selector => ({
  where: `"${column}" >= ? AND "${column}" < ?`,
  params: [prefix, `${prefix.slice(0, -1)}0`],
});
const ofTenant = (tenant: string): Selector => ({ where: `"tenant" = ?`, params: [tenant] });

/** The tables holding a tenant's rows, and how to select them; the tenant's own row comes last. */
const SELECTORS: Record<string, (tenant: string) => Selector> = {
  users: ofTenant,
  binaries: ofTenant,
  uploads: ofTenant,
  sessions: ofTenant,
  // Usage counters (issue 20), copied after the rows whose triggers count them in the new shard.
  tenant_usage: ofTenant,
  // R2 multipart uploads under the tenant's key prefix (`{tenant}/…`, the tenant URI-encoded).
  multipart_uploads: (tenant) => prefixed("key", `${encodeURIComponent(tenant)}/`),
  // Failed logins counted under `tenant/user …` (a login without its tenant is counted where it was tried).
  login_failures: (tenant) => prefixed("login", `${tenant}/`),
  tenants: (tenant) => ({ where: `"id" = ?`, params: [tenant] }),
};

export const TENANT_TABLES = Object.keys(SELECTORS);

const PAGE = 50;

/** The D1 binding (or session) under a drizzle client. */
function clientOf(db: Database): D1Database {
  return (db as unknown as { $client: D1Database }).$client;
}

function selectorOf(table: string, tenant: string): Selector {
  const selector = SELECTORS[table];
  if (!selector) throw new Error(`not a tenant table: ${table}`);
  return selector(tenant);
}

/** Copies the tenant's rows of `table` from one shard to another; returns how many. */
export async function copyTenantRows(from: Database, to: Database, tenant: string, table: string): Promise<number> {
  const { where, params } = selectorOf(table, tenant);
  const source = clientOf(from);
  const target = clientOf(to);
  let after = 0;
  let copied = 0;
  for (;;) {
    const { results: rows } = await source
      .prepare(`SELECT rowid AS _rowid_, * FROM "${table}" WHERE ${where} AND rowid > ? ORDER BY rowid LIMIT ${PAGE}`)
      .bind(...params, after)
      .all<Record<string, unknown>>();
    if (rows.length === 0) return copied;
    const inserts = rows.map((row) => {
      const { _rowid_, ...values } = row;
      // The copy is not frozen: nothing routes to it before the directory switches.
      if (table === "tenants") values.moving = 0;
      const names = Object.keys(values);
      const columns = names.map((name) => `"${name.replace(/"/g, '""')}"`).join(", ");
      return target
        .prepare(`INSERT OR REPLACE INTO "${table}" (${columns}) VALUES (${names.map(() => "?").join(", ")})`)
        .bind(...names.map((name) => values[name] ?? null));
    });
    await target.batch(inserts);
    copied += rows.length;
    after = Number(rows[rows.length - 1]?._rowid_ ?? after);
    if (rows.length < PAGE) return copied;
  }
}

/** Sets the tenant's `moving` mark in one shard (0 none, 1 being copied, 2 moved away). */
export async function setMoving(db: Database, tenant: string, moving: 0 | 1 | 2): Promise<void> {
  await clientOf(db).prepare(`UPDATE "tenants" SET "moving" = ? WHERE "id" = ?`).bind(moving, tenant).run();
}

/**
 * Removes the old copy of a moved tenant's rows: its own row first (the write guard goes with it),
 * then every table; one batch, so a crash leaves all of them or none.
 */
export async function deleteMovedRows(db: Database, tenant: string): Promise<void> {
  const client = clientOf(db);
  const order = ["tenants", ...TENANT_TABLES.filter((table) => table !== "tenants")];
  await client.batch(
    order.map((table) => {
      const { where, params } = selectorOf(table, tenant);
      return client.prepare(`DELETE FROM "${table}" WHERE ${where}`).bind(...params);
    }),
  );
}

/** Up to `limit` of the tenant's incomplete resumable uploads in this shard, with what they hold in R2. */
export async function openUploadsOf(
  db: Database,
  tenant: string,
  limit: number,
  afterId = "",
): Promise<{ id: string; r2Key: string; multipartId: string | null; tailKey: string | null }[]> {
  const { results } = await clientOf(db)
    .prepare(
      `SELECT id, r2_key AS r2Key, multipart_id AS multipartId, tail_key AS tailKey FROM "uploads"
       WHERE "tenant" = ? AND completed_ms IS NULL AND id > ? ORDER BY id LIMIT ?`,
    )
    .bind(tenant, afterId, limit)
    .all<{ id: string; r2Key: string; multipartId: string | null; tailKey: string | null }>();
  return results;
}

/** Up to `limit` R2 multipart uploads tracked under the tenant's key prefix in this shard. */
export async function trackedMultipartsOf(
  db: Database,
  tenant: string,
  limit: number,
  afterUploadId = "",
): Promise<{ key: string; uploadId: string }[]> {
  const { where, params } = selectorOf("multipart_uploads", tenant);
  const { results } = await clientOf(db)
    .prepare(
      `SELECT key, upload_id AS uploadId FROM "multipart_uploads" WHERE ${where} AND upload_id > ?
       ORDER BY upload_id LIMIT ?`,
    )
    .bind(...params, afterUploadId, limit)
    .all<{ key: string; uploadId: string }>();
  return results;
}

/** Forgets one row of a tenant table by its key column (an upload by id, a tracked multipart by upload id). */
export async function deleteRowOf(db: Database, table: "uploads" | "multipart_uploads", key: string): Promise<void> {
  const column = table === "uploads" ? "id" : "upload_id";
  await clientOf(db).prepare(`DELETE FROM "${table}" WHERE "${column}" = ?`).bind(key).run();
}
