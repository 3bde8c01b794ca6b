/**
 * An error as it may be written to the log (docs/api.md#request-ids-logs-and-metrics: nothing secret in a
 * line). drizzle wraps a failed statement in an error whose message and stack list the statement's bound
 * values ("params: …"): a binary's new file name, a user's password hash. The logged copy keeps the SQL
 * (placeholders only), the cause (D1's own message) and the stack frames, not the values. Duck-typed
 * (`query` and `params`), so this layer does not depend on drizzle.
 */
export function loggableError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const query = (error as { query?: unknown }).query;
  if (typeof query !== "string" || !("params" in error)) return error;
  const safe = new Error(`Failed query: ${query} (bound values not logged)`, { cause: loggableError(error.cause) });
  const frames = (error.stack ?? "").split("\n").filter((line) => line.trimStart().startsWith("at "));
  safe.stack = [`Error: ${safe.message}`, ...frames].join("\n");
  return safe;
}
