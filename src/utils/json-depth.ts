/** Deepest nesting of arrays and objects accepted in a request body (docs/api.md#limits-and-configuration). */
export const MAX_JSON_DEPTH = 64;

/**
 * Deepest nesting of `[` and `{` in JSON text, found in one pass with a counter instead of
 * recursion, so no depth can exhaust the stack; it stops counting once past `stopAbove`. Brackets
 * inside strings do not count. Malformed text is measured as far as it goes.
 */
export function jsonDepth(text: string, stopAbove = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c)
        i++; // a backslash escapes the next character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x5b || ch === 0x7b) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > stopAbove) return deepest;
    } else if (ch === 0x5d || ch === 0x7d) depth--;
  }
  return deepest;
}

/** Nesting depth of a parsed value (a scalar is 0, `{}` and `[]` are 1), walked with an explicit stack. */
export function valueDepth(value: unknown, stopAbove = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const [current, level] = entry;
    if (typeof current !== "object" || current === null) continue;
    const depth = level + 1;
    if (depth > deepest) deepest = depth;
    if (deepest > stopAbove) return deepest;
    for (const child of Object.values(current)) stack.push([child, depth]);
  }
  return deepest;
}
