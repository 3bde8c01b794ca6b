/** What the login routes do, for /openapi.json (src/routes/openapi.ts pairs it with the router). */
import { LOGIN_OPTION_COLLECTION_MEDIA_TYPE } from "../c8y/media-types";
import { empty, errors, header, loginForm, type Operation, ok, query, schema } from "../c8y/openapi/describe";

export const loginApi: Record<string, Operation> = {
  "GET /tenant/loginOptions": {
    summary: "How to log in (public)",
    tags: ["tenants"],
    public: true,
    responses: {
      "200": ok("BASIC and OAUTH2_INTERNAL", LOGIN_OPTION_COLLECTION_MEDIA_TYPE, "LoginOptionCollection"),
    },
  },
  "POST /tenant/oauth/token": {
    summary: "Token login: a bearer token for a password form (public)",
    tags: ["tenants"],
    public: true,
    description: "docs/api.md#token-login: send the token as `Authorization: Bearer <token>`.",
    parameters: [query("tenant_id", "the tenant (else from username tenant/user, or a unique user name)")],
    requestBody: loginForm,
    responses: {
      "200": { description: "the token", content: { "application/json": { schema: schema("AccessToken") } } },
      ...errors(400, 401, 415, 429, 503),
    },
  },
  "POST /tenant/oauth": {
    summary: "Token login for browsers: sets the authorization (HttpOnly) and XSRF-TOKEN cookies (public)",
    tags: ["tenants"],
    public: true,
    description: "Later requests send the cookie with `X-XSRF-TOKEN: <XSRF-TOKEN cookie>` (docs/api.md#token-login).",
    parameters: [query("tenant_id", "the tenant (else from username tenant/user, or a unique user name)")],
    requestBody: loginForm,
    responses: {
      "200": empty("logged in", { "Set-Cookie": header("authorization=<token>; XSRF-TOKEN=<xsrf>") }),
      ...errors(400, 401, 415, 429, 503),
    },
  },
  "POST /user/logout": {
    summary: "End the caller's token session (and drop its cookies)",
    tags: ["users"],
    responses: { "200": empty("logged out"), ...errors(401) },
  },
};
