/** What the users routes do, for /openapi.json (src/routes/openapi.ts pairs it with the router). */
import {
  ROLE_COLLECTION_MEDIA_TYPE,
  ROLE_REFERENCE_MEDIA_TYPE,
  USER_COLLECTION_MEDIA_TYPE,
  USER_MEDIA_TYPE,
} from "../c8y/media-types";
import {
  empty,
  errors,
  type Operation,
  ok,
  paging,
  path,
  query,
  schema,
  tenant,
  userName,
} from "../c8y/openapi/describe";

export const usersApi: Record<string, Operation> = {
  "GET /user/roles": {
    summary: "The roles that exist",
    tags: ["users"],
    parameters: paging,
    responses: { "200": ok("a page of roles", ROLE_COLLECTION_MEDIA_TYPE, "RoleCollection"), ...errors(401) },
  },
  "GET /user/{tenant}/users": {
    summary: "List a tenant's users",
    tags: ["users"],
    parameters: [tenant, ...paging, query("username", "user names starting with this")],
    responses: {
      "200": ok("a page of users", USER_COLLECTION_MEDIA_TYPE, "UserCollection"),
      ...errors(401, 403, 404, 422),
    },
  },
  "POST /user/{tenant}/users": {
    summary: "Create a user",
    tags: ["users"],
    parameters: [tenant],
    requestBody: { required: true, content: { "application/json": { schema: schema("UserInput") } } },
    responses: { "201": ok("the user", USER_MEDIA_TYPE, "User"), ...errors(400, 401, 403, 404, 409, 422) },
  },
  "GET /user/{tenant}/users/{userName}": {
    summary: "A user",
    tags: ["users"],
    parameters: [tenant, userName],
    responses: { "200": ok("the user", USER_MEDIA_TYPE, "User"), ...errors(401, 403, 404) },
  },
  "GET /user/{tenant}/userByName/{userName}": {
    summary: "A user, by name (the user API descriptor's userByName template)",
    tags: ["users"],
    parameters: [tenant, userName],
    responses: { "200": ok("the user", USER_MEDIA_TYPE, "User"), ...errors(401, 403, 404) },
  },
  "PUT /user/{tenant}/users/{userName}": {
    summary: "Change a user (password, email, enabled, …)",
    tags: ["users"],
    parameters: [tenant, userName],
    requestBody: { required: true, content: { "application/json": { schema: schema("UserInput") } } },
    responses: { "200": ok("the user", USER_MEDIA_TYPE, "User"), ...errors(400, 401, 403, 404, 422) },
  },
  "DELETE /user/{tenant}/users/{userName}": {
    summary: "Delete a user",
    tags: ["users"],
    parameters: [tenant, userName],
    responses: { "204": empty("deleted"), ...errors(401, 403, 404) },
  },
  "POST /user/{tenant}/users/{userName}/roles": {
    summary: "Give a user a role",
    tags: ["users"],
    parameters: [tenant, userName],
    requestBody: {
      required: true,
      content: {
        "application/json": {
          schema: {
            type: "object",
            required: ["role"],
            properties: { role: { type: "object", properties: { self: { type: "string" } } } },
          },
        },
      },
    },
    responses: {
      "201": ok("the role reference", ROLE_REFERENCE_MEDIA_TYPE, "RoleReference"),
      ...errors(400, 401, 403, 404, 422),
    },
  },
  "DELETE /user/{tenant}/users/{userName}/roles/{role}": {
    summary: "Take a role from a user",
    tags: ["users"],
    parameters: [tenant, userName, path("role", "role id, e.g. ROLE_INVENTORY_READ")],
    responses: { "204": empty("removed"), ...errors(401, 403, 404) },
  },
};
