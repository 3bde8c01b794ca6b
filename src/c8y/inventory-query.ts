import { unprocessable } from "../errors";
import { REFERENCE_COLLECTIONS } from "./managed-object";

/**
 * Cumulocity's inventory query language (the `query` parameter of GET /inventory/managedObjects,
 * docs/api.md#inventory-queries), parsed into a small tree the database layer turns into SQL.
 *
 * Supported: `$filter=` and `$orderby=` clauses (a bare expression is a filter); `and`, `or`,
 * `not`, parentheses; `has(x)`, `hasany(x, y)`, `bygroupid(...)`; comparisons `eq gt ge lt le`
 * between a property path (`name`, `c8y_Position.lng`) and a value: a quoted string (`''` is a
 * quote; `*` is a wildcard for eq), a number (`10`, `16.5d`), `true`/`false`, or a bare word taken
 * as a string (`type eq c8y_Firmware`). Anything else is a 422 naming what was not understood.
 *
 * Written by hand rather than with an OData library: Cumulocity's dialect is not OData v4
 * (`has(x)` is a function there, an operator in OData; bare words are strings; `*` wildcards; both
 * clauses share one parameter), so a generic parser would reject or misread real client queries.
 */

export type QueryLiteral =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "boolean"; value: boolean };

export type Comparison = "eq" | "gt" | "ge" | "lt" | "le";

export type QueryExpr =
  | { kind: "and" | "or"; operands: QueryExpr[] }
  | { kind: "not"; operand: QueryExpr }
  | { kind: "has"; fragments: string[] }
  | { kind: "inGroup"; groupIds: string[] }
  | { kind: "compare"; path: string[]; op: Comparison; value: QueryLiteral };

export interface OrderTerm {
  path: string[];
  descending: boolean;
}

export interface InventoryQuery {
  filter: QueryExpr | undefined;
  orderBy: OrderTerm[];
}

/** Bounds that keep one query within D1's 100 bound parameters and a shallow recursion. */
export const QUERY_LIMITS = { maxLength: 2000, maxTerms: 20, maxDepth: 16, maxOrderTerms: 3, maxPathSegments: 8 };

type Token =
  | { type: "(" | ")" | ","; pos: number }
  | { type: "string"; text: string; pos: number }
  | { type: "word"; text: string; pos: number }
  | { type: "clause"; clause: "filter" | "orderby"; pos: number };

const COMPARISONS = new Set<string>(["eq", "gt", "ge", "lt", "le"]);
const KNOWN_UNSUPPORTED = new Set(["ne", "has", "in", "add", "sub", "mul", "div", "mod"]);
const SEGMENT = /^[A-Za-z0-9_@:-]{1,100}$/;
const NUMBER = /^-?(\d{1,15}(\.\d{1,15})?|\.\d{1,15})([fFdD])?$/;

const invalid = (message: string) => unprocessable(`Invalid query: ${message}`);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "(" || ch === ")" || ch === ",") {
      tokens.push({ type: ch, pos: i });
      i++;
    } else if (ch === "'") {
      const start = i;
      let value = "";
      i++;
      for (;;) {
        if (i >= text.length) throw invalid(`unterminated string starting at position ${start + 1}.`);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i];
        i++;
      }
      tokens.push({ type: "string", text: value, pos: start });
    } else {
      const start = i;
      while (i < text.length && !/[\s(),']/.test(text[i]!)) i++;
      let word = text.slice(start, i);
      let pos = start;
      // `$filter=` and `$orderby=` open a clause; what follows the `=` is the clause's first word.
      for (;;) {
        const clause = /^\$(filter|orderby)=/i.exec(word);
        if (!clause) break;
        tokens.push({ type: "clause", clause: clause[1]!.toLowerCase() as "filter" | "orderby", pos });
        word = word.slice(clause[0].length);
        pos += clause[0].length;
      }
      if (word !== "") tokens.push({ type: "word", text: word, pos });
    }
  }
  return tokens;
}

function describe(token: Token | undefined): string {
  if (!token) return "the end of the query";
  const where = `at position ${token.pos + 1}`;
  if (token.type === "word") return `'${token.text}' ${where}`;
  if (token.type === "string") return `the string '${token.text}' ${where}`;
  if (token.type === "clause") return `'$${token.clause}=' ${where}`;
  return `'${token.type}' ${where}`;
}

/** A property path such as `c8y_Position.lng`: dot-separated names of letters, digits, _ @ : -. */
function parsePath(word: string, token: Token): string[] {
  const segments = word.split(".");
  if (segments.length > QUERY_LIMITS.maxPathSegments || !segments.every((s) => SEGMENT.test(s))) {
    throw invalid(`${describe(token)} is not a property name (letters, digits, _ @ : - separated by dots).`);
  }
  return segments;
}

function literalOf(token: Token): QueryLiteral {
  if (token.type === "string") return { kind: "string", value: token.text };
  if (token.type !== "word") throw invalid(`expected a value, found ${describe(token)}.`);
  if (NUMBER.test(token.text)) return { kind: "number", value: Number(token.text.replace(/[fFdD]$/, "")) };
  const lower = token.text.toLowerCase();
  if (lower === "true" || lower === "false") return { kind: "boolean", value: lower === "true" };
  return { kind: "string", value: token.text };
}

class FilterParser {
  private index = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly budget: { terms: number },
  ) {}

  parse(): QueryExpr {
    const expr = this.or(0);
    if (this.index < this.tokens.length) throw invalid(`unexpected ${describe(this.tokens[this.index])}.`);
    return expr;
  }

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }

  private next(): Token | undefined {
    return this.tokens[this.index++];
  }

  private isKeyword(token: Token | undefined, keyword: string): boolean {
    return token?.type === "word" && token.text.toLowerCase() === keyword;
  }

  private expect(type: "(" | ")"): void {
    const token = this.next();
    if (token?.type !== type) throw invalid(`expected '${type}', found ${describe(token)}.`);
  }

  private countTerm(): void {
    if (++this.budget.terms > QUERY_LIMITS.maxTerms) throw invalid(`more than ${QUERY_LIMITS.maxTerms} conditions.`);
  }

  private or(depth: number): QueryExpr {
    const operands = [this.and(depth)];
    while (this.isKeyword(this.peek(), "or")) {
      this.index++;
      operands.push(this.and(depth));
    }
    return operands.length === 1 ? operands[0]! : { kind: "or", operands };
  }

  private and(depth: number): QueryExpr {
    const operands = [this.unary(depth)];
    while (this.isKeyword(this.peek(), "and")) {
      this.index++;
      operands.push(this.unary(depth));
    }
    return operands.length === 1 ? operands[0]! : { kind: "and", operands };
  }

  private unary(depth: number): QueryExpr {
    if (depth > QUERY_LIMITS.maxDepth) throw invalid(`nested more than ${QUERY_LIMITS.maxDepth} levels deep.`);
    if (this.isKeyword(this.peek(), "not")) {
      this.index++;
      return { kind: "not", operand: this.unary(depth + 1) };
    }
    return this.primary(depth);
  }

  private primary(depth: number): QueryExpr {
    const token = this.next();
    if (token?.type === "(") {
      const inner = this.or(depth + 1);
      this.expect(")");
      return inner;
    }
    if (token?.type !== "word") throw invalid(`expected a condition, found ${describe(token)}.`);
    if (this.peek()?.type === "(") return this.call(token);
    return this.comparison(token);
  }

  private call(name: Token & { type: "word" }): QueryExpr {
    const fn = name.text.toLowerCase();
    if (fn !== "has" && fn !== "hasany" && fn !== "bygroupid") throw invalid(`unknown function ${describe(name)}.`);
    this.expect("(");
    const args: string[] = [];
    for (;;) {
      const arg = this.next();
      if (arg?.type !== "word" && arg?.type !== "string")
        throw invalid(`expected an argument of ${fn}(), found ${describe(arg)}.`);
      this.countTerm();
      args.push(fn === "bygroupid" ? arg.text : parsePath(arg.text, arg).join("."));
      const separator = this.next();
      if (separator?.type === ")") break;
      if (separator?.type !== ",") throw invalid(`expected ',' or ')' in ${fn}(), found ${describe(separator)}.`);
    }
    if (fn === "has" && args.length !== 1)
      throw invalid(`has() takes exactly one fragment name; use hasany() for several.`);
    return fn === "bygroupid" ? { kind: "inGroup", groupIds: args } : { kind: "has", fragments: args };
  }

  private comparison(property: Token & { type: "word" }): QueryExpr {
    const path = parsePath(property.text, property);
    const operator = this.next();
    const op = operator?.type === "word" ? operator.text.toLowerCase() : "";
    if (!COMPARISONS.has(op)) {
      const reason = KNOWN_UNSUPPORTED.has(op) ? "is not supported" : "is not an operator (eq, gt, ge, lt, le)";
      throw invalid(`${describe(operator)} after '${property.text}' ${reason}.`);
    }
    const valueToken = this.next();
    if (!valueToken) throw invalid(`'${property.text} ${op}' needs a value.`);
    this.countTerm();
    return { kind: "compare", path, op: op as Comparison, value: literalOf(valueToken) };
  }
}

function parseOrderBy(tokens: Token[]): OrderTerm[] {
  const terms: OrderTerm[] = [];
  let i = 0;
  while (i < tokens.length) {
    const property = tokens[i++]!;
    if (property.type !== "word") throw invalid(`expected a property to order by, found ${describe(property)}.`);
    let descending = false;
    const direction = tokens[i];
    if (direction?.type === "word" && /^(asc|desc)$/i.test(direction.text)) {
      descending = direction.text.toLowerCase() === "desc";
      i++;
    }
    terms.push({ path: parsePath(property.text, property), descending });
    if (terms.length > QUERY_LIMITS.maxOrderTerms)
      throw invalid(`more than ${QUERY_LIMITS.maxOrderTerms} properties to order by.`);
    const separator = tokens[i];
    if (separator === undefined) break;
    if (separator.type !== ",")
      throw invalid(`expected ',' between properties to order by, found ${describe(separator)}.`);
    i++;
    if (i === tokens.length) throw invalid("a property to order by is missing after ','.");
  }
  return terms;
}

/** Parses a `query` value; throws 422 with the reason for anything it does not understand. */
export function parseInventoryQuery(text: string): InventoryQuery {
  if (text.length > QUERY_LIMITS.maxLength) throw invalid(`longer than ${QUERY_LIMITS.maxLength} characters.`);
  const filters: Token[][] = [];
  const orders: Token[][] = [];
  let current: Token[] = [];
  filters.push(current);
  for (const token of tokenize(text)) {
    if (token.type === "clause") {
      current = [];
      (token.clause === "filter" ? filters : orders).push(current);
    } else {
      current.push(token);
    }
  }
  const budget = { terms: 0 };
  const parsed = filters
    .filter((tokens) => tokens.length > 0)
    .map((tokens) => new FilterParser(tokens, budget).parse());
  if (filters.length > 1 && filters.slice(1).some((tokens) => tokens.length === 0))
    throw invalid("'$filter=' is followed by no condition.");
  if (orders.some((tokens) => tokens.length === 0)) throw invalid("'$orderby=' is followed by no property.");
  const filter =
    parsed.length === 0 ? undefined : parsed.length === 1 ? parsed[0] : { kind: "and" as const, operands: parsed };
  return { filter, orderBy: orders.flatMap(parseOrderBy) };
}

/** Managed object properties a binary keeps in columns, by their query names. */
export type StandardProperty =
  | "id"
  | "name"
  | "type"
  | "owner"
  | "creationTime"
  | "lastUpdated"
  | "length"
  | "contentType";

/** What a property path in a query refers to for a binary's managed object. */
export type PropertyRef =
  | { kind: "column"; column: StandardProperty }
  | { kind: "marker" }
  | { kind: "fragment"; path: string[] }
  | { kind: "unsupported"; reason: string };

const COLUMN_ALIASES: Record<string, StandardProperty> = {
  id: "id",
  _id: "id",
  name: "name",
  type: "type",
  owner: "owner",
  creationTime: "creationTime",
  "creationTime.date": "creationTime",
  lastUpdated: "lastUpdated",
  "lastUpdated.date": "lastUpdated",
  length: "length",
  contentType: "contentType",
};

/** Present on every binary (the `c8y_IsBinary` marker), never stored as a fragment. */
const MARKERS = new Set(["c8y_IsBinary"]);

/** Standard properties that a binary has but that no query can look into. */
const OPAQUE = new Set<string>([
  "self",
  "_attachments",
  ...REFERENCE_COLLECTIONS,
  "externalIds",
  "supportedMeasurements",
]);

/** Resolves a query's property path against a binary's managed object. */
export function resolveProperty(path: readonly string[]): PropertyRef {
  const dotted = path.join(".");
  const column = COLUMN_ALIASES[dotted];
  if (column) return { kind: "column", column };
  const head = path[0]!;
  if (MARKERS.has(head) && path.length === 1) return { kind: "marker" };
  if (COLUMN_ALIASES[head] || MARKERS.has(head) || OPAQUE.has(head))
    return { kind: "unsupported", reason: `'${dotted}' cannot be queried` };
  return { kind: "fragment", path: [...path] };
}
