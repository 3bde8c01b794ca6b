/** One line for `npm start` from the output of `wrangler d1 migrations apply`. */
export function migrationSummary(output: string): string;
