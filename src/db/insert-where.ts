import { getTableColumns, SQL, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Database } from "./client";

/**
 * `INSERT INTO table SELECT <row> WHERE <condition>`: the row is written only if the condition
 * holds at that instant, in the same statement (no check-then-write race). Columns the row
 * leaves out get NULL, so give every column without a default. Chain `.returning()` to learn
 * whether it was written.
 */
export function insertWhere<T extends SQLiteTable>(
  db: Database,
  table: T,
  row: { [K in keyof T["$inferInsert"]]?: T["$inferInsert"][K] | SQL },
  condition: SQL,
) {
  const values = Object.entries(getTableColumns(table)).map(([name, column]) => {
    const value = (row as Record<string, unknown>)[name];
    return value === undefined ? sql`NULL` : value instanceof SQL ? value : sql.param(value, column);
  });
  return db.insert(table).select(sql`SELECT ${sql.join(values, sql`, `)} WHERE ${condition}`);
}
