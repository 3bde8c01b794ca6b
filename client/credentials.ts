/**
 * Cumulocity Basic credentials: `tenant/user:password`, base64 of its UTF-8 bytes (docs/api.md#tenants-users-roles).
 * Shared by the files page and the CLI; no DOM or Node APIs, only what both have.
 */
export interface Credentials {
  /** Empty when the user logs in without a tenant prefix (works while the name is unique). */
  tenant: string;
  user: string;
  password: string;
}

function base64OfBytes(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The `Authorization` header value; UTF-8 so non-ASCII passwords survive (btoa alone takes Latin-1). */
export function basicAuthorization({ tenant, user, password }: Credentials): string {
  const login = tenant ? `${tenant}/${user}` : user;
  return `Basic ${base64OfBytes(new TextEncoder().encode(`${login}:${password}`))}`;
}

/** Hex of a base64 digest (R2 and the `_attachments` digest carry base64; `md5sum` prints hex). */
export function base64ToHex(base64: string): string {
  const binary = atob(base64);
  let hex = "";
  for (let i = 0; i < binary.length; i++) hex += binary.charCodeAt(i).toString(16).padStart(2, "0");
  return hex;
}
