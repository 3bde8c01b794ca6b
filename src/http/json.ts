import { invalidRequest } from "../errors";
import { jsonDepth, MAX_JSON_DEPTH } from "../utils/json-depth";

/**
 * Parses JSON text that must be an object; 400 otherwise. `what` names it in the message. Nesting
 * deeper than MAX_JSON_DEPTH is refused before parsing: JSON.stringify recurses, so such a value,
 * once stored, could not be sent back.
 */
export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw invalidRequest(`${what} is nested deeper than ${MAX_JSON_DEPTH} levels.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidRequest(`${what} is not valid JSON.`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidRequest(`${what} must be a JSON object.`);
  }
  return value as Record<string, unknown>;
}
