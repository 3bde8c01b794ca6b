import { jsonDepth, MAX_JSON_DEPTH } from "../utils/json-depth";
import { HttpInputError } from "./input-error";

/**
 * Parses JSON text that must be an object; HttpInputError 400 otherwise. `what` names it in the message. Nesting
 * deeper than MAX_JSON_DEPTH is refused before parsing: JSON.stringify recurses, so such a value,
 * once stored, could not be sent back.
 */
export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new HttpInputError(400, `${what} is nested deeper than ${MAX_JSON_DEPTH} levels.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpInputError(400, `${what} is not valid JSON.`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpInputError(400, `${what} must be a JSON object.`);
  }
  return value as Record<string, unknown>;
}
