/**
 * The API descriptors Cumulocity clients start from (docs/api.md#api-descriptors-and-login-options): GET /platform
 * and GET /inventory list the collections with their `self` links and URI templates. The Java SDK
 * builds every URL from them (the binaries URL is `inventory.managedObjects.self` with
 * "managedObjects" replaced by "binaries"), so binaries are not published separately, as in the
 * reference.
 */

/** GET /inventory */
export function inventoryApiJson(origin: string) {
  const managedObjects = `${origin}/inventory/managedObjects`;
  return {
    self: `${origin}/inventory`,
    managedObjects: { self: managedObjects, references: [] },
    managedObjectsForType: `${managedObjects}?type={type}`,
    managedObjectsForFragmentType: `${managedObjects}?fragmentType={fragmentType}`,
    managedObjectsForListOfIds: `${managedObjects}?ids={ids}`,
  };
}

/** The `user` part of GET /platform (user API links; groups do not exist here). */
export function userApiJson(origin: string) {
  return {
    self: `${origin}/user`,
    users: `${origin}/user/{tenantId}/users`,
    userByName: `${origin}/user/{tenantId}/userByName/{username}`,
    currentUser: `${origin}/user/currentUser`,
    roles: `${origin}/user/roles`,
  };
}

/** The `tenant` part of GET /platform. */
export function tenantApiJson(origin: string) {
  return {
    self: `${origin}/tenant`,
    tenants: { self: `${origin}/tenant/tenants`, tenants: [] },
    tenantForId: `${origin}/tenant/tenants/{tenantId}`,
  };
}

/** GET /platform: the root of the URI space. */
export function platformApiJson(origin: string) {
  return {
    self: `${origin}/platform`,
    inventory: inventoryApiJson(origin),
    user: userApiJson(origin),
    tenant: tenantApiJson(origin),
  };
}

/**
 * GET /tenant/loginOptions: how to log in, public as in the reference (login pages and go-c8y-cli
 * ask before they have credentials). HTTP Basic is the only option.
 */
export function loginOptionsJson(origin: string, minPasswordLength: number, tenantId?: string) {
  const self = `${origin}/tenant/loginOptions`;
  return {
    self,
    loginOptions: [
      {
        id: "basic",
        self: `${self}/basic`,
        type: "BASIC",
        _type: "BasicAuthConfig",
        providerName: "Cumulocity",
        userManagementSource: "INTERNAL",
        grantType: "PASSWORD",
        visibleOnLoginPage: true,
        enforceStrength: false,
        strengthValidity: false,
        greenMinLength: minPasswordLength,
      },
      {
        // Token login (docs/api.md#token-login): the form goes to initRequest (cookies) or to
        // /tenant/oauth/token (a bearer token).
        id: "oauth2_internal",
        self: `${self}/oauth2_internal`,
        type: "OAUTH2_INTERNAL",
        _type: "OAuthInternalConfig",
        providerName: "Cumulocity",
        userManagementSource: "INTERNAL",
        grantType: "PASSWORD",
        initRequest: `${origin}/tenant/oauth${tenantId ? `?tenant_id=${encodeURIComponent(tenantId)}` : ""}`,
        visibleOnLoginPage: true,
      },
    ],
  };
}
