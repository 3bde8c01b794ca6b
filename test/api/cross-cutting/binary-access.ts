/**
 * Who may do what to a binary (docs/api.md#tenants-users-roles) as one table, shared by the authorisation matrix
 * (inventory roles) and the binary roles' test (ROLE_BINARY_*, which must act exactly like the inventory role of
 * the same level): endpoint × whose binary × role level → the expected status.
 */
import { call } from "../../helpers";

export type Target = "own" | "other" | "foreign";

type Row = Record<Target, [number, number, number, number]>;

// Columns: the role levels none, read, create, admin. Every role may act on its own binaries; another user's may
// be read with READ or ADMIN and changed with ADMIN only; another tenant's does not exist (404) for anyone.
const read = (ok: number): Row => ({ own: [ok, ok, ok, ok], other: [403, ok, 403, ok], foreign: [404, 404, 404, 404] });
const write = (ok: number): Row => ({
  own: [ok, ok, ok, ok],
  other: [403, 403, 403, ok],
  foreign: [404, 404, 404, 404],
});

export const BINARY_ACCESS: Record<string, Row> = {
  "GET /inventory/binaries/{id}": read(200),
  "HEAD /inventory/binaries/{id}": read(200),
  "PUT /inventory/binaries/{id}": write(201),
  "DELETE /inventory/binaries/{id}": write(204),
  "GET /inventory/managedObjects/{id}": read(200),
  "PUT /inventory/managedObjects/{id}": write(200),
  "DELETE /inventory/managedObjects/{id}": write(204),
};

/** The request of a table row: `endpoint` is "METHOD /path/{id}"; PUTs send a small valid body. */
export function request(endpoint: string, id: string, authorization: string): Promise<Response> {
  const [method, template] = endpoint.split(" ") as [string, string];
  const body =
    method === "PUT" ? (template.includes("managedObjects") ? '{"c8y_Touched":{}}' : "new bytes") : undefined;
  return call(template.replace("{id}", id), {
    method,
    body,
    headers: { Authorization: authorization, "Content-Type": "application/json" },
  });
}
