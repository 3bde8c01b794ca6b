import { invalidUserInput as invalid } from "../errors";
import { ALL_ROLES } from "./roles";

/** Shortest password the API accepts (the local bootstrap admin is exempt: it never uses the API). */
export const MIN_PASSWORD_LENGTH = 8;

/**
 * User names: no whitespace, control characters, slashes, colons or other characters that break
 * logins or URLs, and not `.` or `..`, which URL parsers treat as path steps (no URL could address
 * such a user).
 */
export function checkUserName(value: unknown, what = "userName"): string {
  const controls = typeof value === "string" && [...value].some((ch) => ch.charCodeAt(0) < 0x20 || ch === "\u007f");
  if (
    typeof value !== "string" ||
    !/^[^\s/\\:+$%?#]{1,100}$/.test(value) ||
    controls ||
    value === "." ||
    value === ".."
  )
    throw invalid(`'${what}' must be 1-100 characters without whitespace, controls, / \\ : + $ % ? #, and not . or ..`);
  return value;
}

/** Passwords: a string of at least MIN_PASSWORD_LENGTH characters, at most 256. */
export function checkPassword(value: unknown, what = "password"): string {
  if (typeof value !== "string" || value.length < MIN_PASSWORD_LENGTH || value.length > 256) {
    throw invalid(`'${what}' must be ${MIN_PASSWORD_LENGTH} to 256 characters.`);
  }
  return value;
}

/** Email: absent, null, or something with an @. */
export function checkEmail(value: unknown, what = "email"): string | null | undefined {
  if (value === undefined || value === null) return value;
  if (typeof value !== "string" || !/^[^\s@]+@[^\s@]+$/.test(value) || value.length > 254)
    throw invalid(`'${what}' is not an email address.`);
  return value;
}

/** A role id from `{"role": {"self": ".../user/roles/ROLE_X"}}` or `{"role": {"id": "ROLE_X"}}`. */
export function roleFromReference(body: Record<string, unknown>): string {
  const role = body.role as { self?: unknown; id?: unknown } | undefined;
  const fromSelf = typeof role?.self === "string" ? role.self.split("/").filter(Boolean).pop() : undefined;
  const id = typeof role?.id === "string" ? role.id : fromSelf;
  if (!id || !ALL_ROLES.includes(id)) throw invalid(`Unknown role; known roles: ${ALL_ROLES.join(", ")}.`);
  return id;
}

/** Tenant ids: lower-case letters, digits and hyphens, starting with a letter. */
export function checkTenantId(value: unknown): string {
  if (typeof value !== "string" || !/^[a-z][a-z0-9-]{1,31}$/.test(value))
    throw invalid("'id' must be 2-32 lower-case letters, digits or hyphens, starting with a letter.");
  return value;
}

/** A required non-empty string field. */
export function requiredText(value: unknown, what: string, max = 256): string {
  if (typeof value !== "string" || value.trim() === "" || value.length > max)
    throw invalid(`'${what}' is required (a string of at most ${max} characters).`);
  return value;
}

/** `enabled`: absent, or a JSON boolean. */
export function checkEnabled(value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") throw invalid("'enabled' must be true or false.");
  return value;
}

/** An optional profile field (firstName, lastName, phone): absent, null, or a string of at most `max` characters. */
export function checkProfileText(value: unknown, what: string, max = 100): string | null | undefined {
  if (value === undefined || value === null) return value;
  if (typeof value !== "string" || value.length > max || hasControlCharacters(value)) {
    throw invalid(`'${what}' must be a string of at most ${max} characters without control characters.`);
  }
  return value;
}

/** Whether text contains C0 control characters or DEL. */
function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
