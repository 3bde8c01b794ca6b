import { invalidRequest } from "../errors";

/** Parses JSON text that must be an object; 400 otherwise. `what` names it in the message. */
export function parseJsonObject(text: string, what: string): Record<string, unknown> {
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
