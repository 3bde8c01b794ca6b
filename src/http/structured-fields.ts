/**
 * The few Structured Field (RFC 9651) shapes the resumable-upload headers use: an Item that is an
 * Integer or a Boolean, and a Dictionary of Integers to send. Parameters on an Item are allowed
 * and ignored; anything else is `undefined`, which the draft says to treat as an absent header.
 */

const INTEGER = /^(-?\d{1,15})(;.*)?$/;
const BOOLEAN = /^\?([01])(;.*)?$/;

/** An sf-integer Item (at most 15 digits), or undefined when the field is absent or not one. */
export function sfInteger(value: string | null | undefined): number | undefined {
  const match = value === null || value === undefined ? null : INTEGER.exec(value.trim());
  return match ? Number(match[1]) : undefined;
}

/** An sf-boolean Item (`?1` / `?0`), or undefined when the field is absent or not one. */
export function sfBoolean(value: string | null | undefined): boolean | undefined {
  const match = value === null || value === undefined ? null : BOOLEAN.exec(value.trim());
  return match ? match[1] === "1" : undefined;
}

/** A Dictionary whose members are Integers, serialised (`max-size=1024, max-age=60`). */
export function sfIntegerDictionary(members: Record<string, number>): string {
  return Object.entries(members)
    .map(([key, value]) => `${key}=${Math.trunc(value)}`)
    .join(", ");
}
