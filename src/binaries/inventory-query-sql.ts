import { type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import {
  type OrderTerm,
  type QueryExpr,
  type QueryLiteral,
  resolveProperty,
  type StandardProperty,
} from "../c8y/inventory-query";
import { binaries } from "../db/schema";
import { unprocessable } from "../errors";

/**
 * SQL for the inventory query language over the binaries table (docs/api.md#inventory-queries). Every condition
 * becomes 0 or 1 (never NULL), so `not` means "does not match". Conditions on fragments only run
 * on rows whose fragments are valid JSON (json_valid), so no stored value can make a query fail.
 * Fragment paths are inlined as JSON path literals: resolveProperty only lets through segments of
 * [A-Za-z0-9_@:-] (checked again here), which keeps each condition at one or two bound values
 * and a query of 20 conditions well inside D1's 100 bound parameters.
 */

const COLUMNS: Record<StandardProperty, SQLiteColumn> = {
  id: binaries.id,
  name: binaries.name,
  type: binaries.type,
  owner: binaries.owner,
  creationTime: binaries.creationTime,
  lastUpdated: binaries.lastUpdated,
  length: binaries.length,
  contentType: binaries.contentType,
};
const NUMERIC_COLUMNS = new Set<StandardProperty>(["id", "length"]);

/** D1 refuses LIKE/GLOB patterns longer than 50 bytes ("pattern too complex"). */
const MAX_GLOB_BYTES = 50;

const TRUE = sql`1`;
const FALSE = sql`0`;

function jsonPath(path: readonly string[]): SQL {
  if (!path.every((segment) => /^[A-Za-z0-9_@:-]+$/.test(segment))) throw new Error("unsafe JSON path segment");
  return sql.raw(`'$${path.map((segment) => `."${segment}"`).join("")}'`);
}

const codePoints = (text: string) => [...text].length;

/** A condition on the fragments, evaluated only for valid JSON (a legacy malformed row never matches). */
const guarded = (condition: SQL) => sql`(CASE WHEN json_valid(${binaries.fragments}) THEN (${condition}) ELSE 0 END)`;

/**
 * `value eq 'pattern'` where `*` matches any run of characters (case-sensitive). The common shapes
 * (exact, prefix*, *suffix, *infix*) avoid GLOB and its length cap; other patterns use GLOB with
 * its own metacharacters escaped.
 */
function matchesPattern(value: SQL, pattern: string): SQL {
  const stars = pattern.split("*").length - 1;
  if (stars === 0) return sql`${value} = ${pattern}`;
  if (/^\*+$/.test(pattern)) return sql`${value} IS NOT NULL`;
  if (stars === 1 && pattern.endsWith("*")) {
    const prefix = pattern.slice(0, -1);
    return sql`substr(${value}, 1, ${codePoints(prefix)}) = ${prefix}`;
  }
  if (stars === 1 && pattern.startsWith("*")) {
    const suffix = pattern.slice(1);
    return sql`substr(${value}, ${-codePoints(suffix)}) = ${suffix}`;
  }
  if (stars === 2 && pattern.startsWith("*") && pattern.endsWith("*"))
    return sql`instr(${value}, ${pattern.slice(1, -1)}) > 0`;
  const glob = pattern.replace(/[[?]/g, (ch) => `[${ch}]`);
  if (new TextEncoder().encode(glob).length > MAX_GLOB_BYTES) {
    throw unprocessable(`Invalid query: a pattern with several '*' may be at most ${MAX_GLOB_BYTES} bytes long.`);
  }
  return sql`${value} GLOB ${glob}`;
}

const SQL_OPERATORS = { gt: ">", ge: ">=", lt: "<", le: "<=" } as const;

function literalText(value: QueryLiteral): string {
  return typeof value.value === "string" ? value.value : String(value.value);
}

function compareColumn(column: StandardProperty, op: keyof typeof SQL_OPERATORS | "eq", value: QueryLiteral): SQL {
  const target = COLUMNS[column];
  if (NUMERIC_COLUMNS.has(column)) {
    const number =
      value.kind === "number"
        ? value.value
        : /^\d{1,15}$/.test(literalText(value))
          ? Number(literalText(value))
          : undefined;
    if (number === undefined) return FALSE;
    return op === "eq" ? sql`${target} = ${number}` : sql`${target} ${sql.raw(SQL_OPERATORS[op])} ${number}`;
  }
  const text = literalText(value);
  return op === "eq" ? matchesPattern(sql`${target}`, text) : sql`${target} ${sql.raw(SQL_OPERATORS[op])} ${text}`;
}

/** A fragment value: scalars compare directly, arrays match when one element does (eq only). */
function compareFragment(path: readonly string[], op: keyof typeof SQL_OPERATORS | "eq", value: QueryLiteral): SQL {
  const p = jsonPath(path);
  const f = binaries.fragments;
  if (op === "eq") {
    const element =
      value.kind === "string"
        ? sql`e.type = 'text' AND ${matchesPattern(sql`e.value`, value.value)}`
        : value.kind === "number"
          ? sql`e.type IN ('integer', 'real') AND e.value = ${value.value}`
          : sql.raw(`e.type = '${value.value ? "true" : "false"}'`);
    return guarded(
      sql`json_type(${f}, ${p}) <> 'object' AND EXISTS (SELECT 1 FROM json_each(${f}, ${p}) AS e WHERE ${element})`,
    );
  }
  const operator = sql.raw(SQL_OPERATORS[op]);
  if (value.kind === "number") {
    return guarded(
      sql`json_type(${f}, ${p}) IN ('integer', 'real') AND json_extract(${f}, ${p}) ${operator} ${value.value}`,
    );
  }
  return guarded(sql`json_type(${f}, ${p}) = 'text' AND json_extract(${f}, ${p}) ${operator} ${literalText(value)}`);
}

function hasFragment(name: string): SQL {
  const ref = resolveProperty(name.split("."));
  if (ref.kind === "marker") return TRUE;
  if (ref.kind !== "fragment")
    throw unprocessable(`Invalid query: has() and fragmentType take custom fragments, not '${name}'.`);
  return guarded(sql`json_type(${binaries.fragments}, ${jsonPath(ref.path)}) IS NOT NULL`);
}

/** The condition of a parsed filter, as SQL that is 0 or 1 for every row. */
export function whereOfQuery(expr: QueryExpr): SQL {
  switch (expr.kind) {
    case "and":
    case "or": {
      const joiner = sql.raw(expr.kind === "and" ? " AND " : " OR ");
      return sql`(${sql.join(expr.operands.map(whereOfQuery), joiner)})`;
    }
    case "not":
      return sql`(NOT ${whereOfQuery(expr.operand)})`;
    case "has":
      return sql`(${sql.join(expr.fragments.map(hasFragment), sql.raw(" OR "))})`;
    case "inGroup":
      // Binaries belong to no group.
      return FALSE;
    case "compare": {
      const ref = resolveProperty(expr.path);
      if (ref.kind === "unsupported") throw unprocessable(`Invalid query: ${ref.reason}.`);
      if (ref.kind === "marker") return expr.op === "eq" && matchesEmpty(expr.value) ? TRUE : FALSE;
      const condition =
        ref.kind === "column"
          ? compareColumn(ref.column, expr.op, expr.value)
          : compareFragment(ref.path, expr.op, expr.value);
      return sql`coalesce((${condition}), 0)`;
    }
  }
}

/** `c8y_IsBinary` is the empty string on every binary. */
function matchesEmpty(value: QueryLiteral): boolean {
  return value.kind === "string" && /^\**$/.test(value.value);
}

/** `fragmentType=x`: the binary has the fragment (c8y_IsBinary: every binary). */
export function whereHasFragment(name: string): SQL {
  // Dots separate nested fragment names; an empty one (`.`, `a.`, `.a`, `a..b`) names nothing.
  if (name.length > 200 || !/^[A-Za-z0-9_@:-]+(\.[A-Za-z0-9_@:-]+)*$/.test(name))
    throw unprocessable(`'fragmentType' must be a fragment name, not '${name}'.`);
  return hasFragment(name);
}

/** ORDER BY terms for `$orderby` (the list adds ascending id last, so pages are stable). */
export function orderOfQuery(terms: readonly OrderTerm[]): SQL[] {
  const order = terms.map((term) => {
    const ref = resolveProperty(term.path);
    if (ref.kind === "unsupported" || ref.kind === "marker")
      throw unprocessable(`Invalid query: cannot order by '${term.path.join(".")}'.`);
    const f = binaries.fragments;
    const target =
      ref.kind === "column"
        ? sql`${COLUMNS[ref.column]}`
        : sql`(CASE WHEN json_valid(${f}) THEN json_extract(${f}, ${jsonPath(ref.path)}) END)`;
    return term.descending ? sql`${target} DESC` : sql`${target} ASC`;
  });
  return order;
}
