import { notFound, unprocessable } from "../errors";

/** A managed object id from a path segment; anything but a decimal number is a 404 (docs/api.md#endpoints). */
export function parseId(text: string | undefined): number {
  if (!text || !/^\d{1,15}$/.test(text)) throw notFound("Managed object");
  return Number(text);
}

/**
 * The `ids` filter: comma separated, repeated, or both. Undefined when absent; a non-numeric
 * id is a 422 like other bad query values.
 */
export function parseIds(values: string[] | undefined): number[] | undefined {
  if (!values || values.length === 0) return undefined;
  const ids: number[] = [];
  for (const part of values.flatMap((value) => value.split(","))) {
    const text = part.trim();
    if (text === "") continue;
    if (!/^\d{1,15}$/.test(text)) throw unprocessable(`'ids' must list numeric ids, not '${text}'.`);
    ids.push(Number(text));
  }
  return ids;
}
