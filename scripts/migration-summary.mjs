// `wrangler d1 migrations apply` prints its whole table again after every migration it applies
// (eight migrations on a fresh database: nine tables). `npm start` shows one line instead: what
// was applied now, or that the database was up to date; the full output only when it fails.

/**
 * @param {string} output what wrangler printed
 * @returns {string}
 */
export function migrationSummary(output) {
  // Wrangler first lists "Migrations to be applied:" in a table of names alone, then runs them.
  const start = output.indexOf("Migrations to be applied");
  if (start < 0) return "D1 (local): migrations up to date";
  const table = output.slice(start, output.indexOf("└", start));
  const names = [...table.matchAll(/│\s*(\S+\.sql)\s*│/gu)].map((match) => match[1]);
  return `D1 (local): applied ${names.join(", ")}`;
}
