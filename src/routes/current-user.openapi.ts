/** What the current-user routes do, for /openapi.json (src/routes/openapi.ts pairs it with the router). */
import { CURRENT_USER_MEDIA_TYPE } from "../c8y/media-types";
import { empty, errors, type Operation, ok, schema } from "../c8y/openapi/describe";

export const currentUserApi: Record<string, Operation> = {
  "GET /user/currentUser": {
    summary: "The caller",
    tags: ["users"],
    responses: {
      "200": ok("the user with its effective roles", CURRENT_USER_MEDIA_TYPE, "CurrentUser"),
      ...errors(401),
    },
  },
  "PUT /user/currentUser": {
    summary: "Change the caller's own name, email, phone or password (a password needs the current one)",
    tags: ["users"],
    requestBody: { required: true, content: { "application/json": { schema: schema("CurrentUserInput") } } },
    responses: { "200": ok("the user", CURRENT_USER_MEDIA_TYPE, "CurrentUser"), ...errors(400, 401, 403, 422) },
  },
  "PUT /user/currentUser/password": {
    summary: "Change the caller's password (needs the current one)",
    tags: ["users"],
    requestBody: { required: true, content: { "application/json": { schema: schema("PasswordChange") } } },
    responses: { "200": empty("changed"), "204": empty("changed"), ...errors(400, 401, 403, 422) },
  },
};
