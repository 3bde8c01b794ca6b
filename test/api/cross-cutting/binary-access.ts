/**
 * Who may do what to a binary (docs/api.md#tenants-users-roles) as one table, shared by the authorisation matrix
 * (inventory roles) and the binary roles' test (ROLE_BINARY_*, which must act exactly like the inventory role of
 * the same level): endpoint × whose binary × role level → the expected status.
 */
import { call } from "../../helpers";

export type Target = "own" | "other" | "foreign";

//                                    none  read  create admin
export const BINARY_ACCESS: Record<string, Record<Target, [number, number, number, number]>> = {
  "GET /inventory/binaries/{id}": {
    own: [200, 200, 200, 200],
    other: [403, 200, 403, 200],
    foreign: [404, 404, 404, 404],
  },
  "HEAD /inventory/binaries/{id}": {
    own: [200, 200, 200, 200],
    other: [403, 200, 403, 200],
    foreign: [404, 404, 404, 404],
  },
  "PUT /inventory/binaries/{id}": {
    own: [201, 201, 201, 201],
    other: [403, 403, 403, 201],
    foreign: [404, 404, 404, 404],
  },
  "DELETE /inventory/binaries/{id}": {
    own: [204, 204, 204, 204],
    other: [403, 403, 403, 204],
    foreign: [404, 404, 404, 404],
  },
  "GET /inventory/managedObjects/{id}": {
    own: [200, 200, 200, 200],
    other: [403, 200, 403, 200],
    foreign: [404, 404, 404, 404],
  },
  "PUT /inventory/managedObjects/{id}": {
    own: [200, 200, 200, 200],
    other: [403, 403, 403, 200],
    foreign: [404, 404, 404, 404],
  },
  "DELETE /inventory/managedObjects/{id}": {
    own: [204, 204, 204, 204],
    other: [403, 403, 403, 204],
    foreign: [404, 404, 404, 404],
  },
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
