import { hasAnyRole } from "../auth/authorize";
import type { Principal } from "../auth/principal";
import { ADMIN_BINARIES, CREATE_BINARIES, READ_BINARIES } from "../c8y/roles";

/** Whether the principal sees every binary of its tenant, not only its own (docs/api.md#tenants-users-roles). */
export function readsAll(principal: Principal): boolean {
  return hasAnyRole(principal, READ_BINARIES);
}

/** READ, ADMIN (inventory or binary roles), or the owner may download and read a binary's managed object. */
export function mayRead(principal: Principal, owner: string): boolean {
  return readsAll(principal) || principal.userName === owner;
}

/** ADMIN or the owner may replace, update and delete a binary. */
export function mayWrite(principal: Principal, owner: string): boolean {
  return hasAnyRole(principal, ADMIN_BINARIES) || principal.userName === owner;
}

/** CREATE or ADMIN may create binaries (POST, or a resumable upload of a new binary, at every request). */
export function mayCreate(principal: Principal): boolean {
  return hasAnyRole(principal, CREATE_BINARIES);
}
