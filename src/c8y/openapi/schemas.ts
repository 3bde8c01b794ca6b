/**
 * JSON Schemas (2020-12, as OpenAPI 3.1 uses them) of the bodies the API sends and accepts
 * (docs/api.md#the-managed-object-of-a-binary, docs/api.md#collection-and-paging, docs/api.md#tenants-users-roles,
 * docs/api.md#errors and the sections of each extension). Objects stay open (`additionalProperties` allowed) where the
 * API passes client fragments through.
 */
type Schema = Record<string, unknown>;

const string = { type: "string" } as const;
const url = { type: "string", format: "uri" } as const;
/** A count of bytes or things. */
const bytes = { type: "integer", minimum: 0 } as const;
/** A storage quota in bytes; null: unlimited (docs/api.md#usage-and-quotas). */
const quota = { type: ["integer", "null"], minimum: 0 } as const;
const dateTime = { type: "string", format: "date-time" } as const;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const referenceCollection: Schema = {
  type: "object",
  required: ["self", "references"],
  properties: { self: url, references: { type: "array" } },
};

const statistics: Schema = {
  type: "object",
  required: ["currentPage", "pageSize"],
  properties: {
    currentPage: { type: "integer", minimum: 1 },
    pageSize: { type: "integer", minimum: 1, maximum: 2000 },
    totalPages: { type: "integer", minimum: 0 },
    totalElements: { type: "integer", minimum: 0 },
  },
};

/** A paged collection of `item` under `key` (docs/api.md#collection-and-paging). */
function collection(key: string, item: string): Schema {
  return {
    type: "object",
    required: ["self", key, "statistics"],
    properties: {
      self: url,
      next: url,
      prev: url,
      [key]: { type: "array", items: ref(item) },
      statistics: ref("PageStatistics"),
    },
  };
}

const role: Schema = {
  type: "object",
  required: ["id", "name", "self"],
  properties: { id: string, name: string, self: url },
};

const user: Schema = {
  type: "object",
  required: ["id", "self", "userName", "enabled", "roles"],
  properties: {
    id: string,
    self: url,
    userName: string,
    email: string,
    firstName: string,
    lastName: string,
    phone: string,
    enabled: { type: "boolean" },
    lastPasswordChange: dateTime,
    roles: {
      type: "object",
      required: ["self", "references"],
      properties: { self: url, references: { type: "array", items: ref("RoleReference") } },
    },
  },
};

export const SCHEMAS: Record<string, Schema> = {
  Error: {
    type: "object",
    description: "Every error (docs/api.md#errors).",
    required: ["error", "message"],
    properties: {
      error: { type: "string", description: "area/Reason, e.g. inventory/Not Found", pattern: "^[^/]+/.+$" },
      message: string,
      info: url,
    },
  },
  ManagedObject: {
    type: "object",
    description:
      "A binary's managed object (docs/api.md#the-managed-object-of-a-binary); " +
      "any other property is a client fragment.",
    required: ["id", "self", "name", "type", "owner", "creationTime", "lastUpdated", "length", "contentType"],
    properties: {
      id: { type: "string", pattern: "^[0-9]+$" },
      self: url,
      name: string,
      type: string,
      owner: string,
      creationTime: dateTime,
      lastUpdated: dateTime,
      length: { type: "integer", minimum: 0 },
      contentType: string,
      c8y_IsBinary: { type: "string", const: "" },
      _attachments: {
        type: "object",
        additionalProperties: {
          type: "object",
          required: ["digest", "length"],
          properties: {
            stub: { type: "boolean" },
            length: { type: "integer", minimum: 0 },
            digest: { type: "string", pattern: "^md5-[A-Za-z0-9+/]{22}==$" },
            revpos: { type: "integer" },
            content_type: string,
          },
        },
      },
      childAdditions: referenceCollection,
      childAssets: referenceCollection,
      childDevices: referenceCollection,
      additionParents: referenceCollection,
      assetParents: referenceCollection,
      deviceParents: referenceCollection,
    },
    additionalProperties: true,
  },
  ManagedObjectInput: {
    type: "object",
    description:
      "name, type and fragments; the service's own fields are ignored " +
      "(docs/api.md#the-managed-object-of-a-binary).",
    properties: { name: string, type: string },
    additionalProperties: true,
  },
  PageStatistics: statistics,
  ManagedObjectCollection: collection("managedObjects", "ManagedObject"),
  ReferenceCollection: {
    ...referenceCollection,
    properties: { ...(referenceCollection.properties as Schema), statistics },
  },
  Role: role,
  RoleReference: { type: "object", required: ["self", "role"], properties: { self: url, role: ref("Role") } },
  RoleCollection: collection("roles", "Role"),
  User: user,
  UserInput: {
    type: "object",
    properties: {
      userName: string,
      password: { type: "string", minLength: 8 },
      email: string,
      firstName: string,
      lastName: string,
      phone: string,
      enabled: { type: "boolean" },
    },
  },
  CurrentUserInput: {
    type: "object",
    description: "A new `password` needs `currentUserPassword`, the caller's password now (422 otherwise).",
    properties: {
      password: { type: "string", minLength: 8 },
      currentUserPassword: string,
      email: string,
      firstName: string,
      lastName: string,
      phone: string,
    },
  },
  UserCollection: collection("users", "User"),
  CurrentUser: {
    ...user,
    required: [...(user.required as string[]), "effectiveRoles"],
    properties: {
      ...(user.properties as Schema),
      shouldResetPassword: { type: "boolean" },
      effectiveRoles: { type: "array", items: ref("Role") },
    },
  },
  PasswordChange: {
    type: "object",
    required: ["currentUserPassword", "newPassword"],
    properties: { currentUserPassword: string, newPassword: { type: "string", minLength: 8 } },
  },
  Tenant: {
    type: "object",
    required: ["id", "self", "status", "creationTime"],
    properties: {
      id: string,
      self: url,
      company: string,
      domain: string,
      status: string,
      creationTime: dateTime,
      storageQuota: quota,
      region: { type: "string", description: "where the tenant's data is kept (docs/api.md#shards-and-regions)" },
    },
  },
  TenantMoveInput: {
    type: "object",
    properties: {
      shard: { type: "integer", minimum: 0, description: "target shard; default: the least-loaded other one" },
      region: { type: "string", description: "target region; default: the tenant's" },
    },
  },
  TenantMove: {
    type: "object",
    required: ["id", "tenant"],
    properties: {
      id: string,
      self: url,
      tenant: string,
      status: { type: "string", description: "the Workflow instance's: queued, running, complete, errored, …" },
      from: { type: "object", properties: { shard: { type: "integer" }, region: string } },
      to: { type: "object", properties: { shard: { type: "integer" }, region: string } },
      rollback: { type: "boolean", description: "true: this attempt undoes the move (the tenant stays where it was)" },
      error: string,
    },
  },
  TenantInput: {
    type: "object",
    required: ["id", "adminName", "adminPass"],
    properties: {
      id: string,
      company: string,
      domain: string,
      adminName: string,
      adminPass: string,
      adminEmail: string,
      storageQuota: quota,
      region: { type: "string", description: "one of the deployment's regions; default DEFAULT_REGION" },
    },
  },
  TenantChange: {
    type: "object",
    properties: { company: string, domain: string, storageQuota: quota },
  },
  UsageSummary: {
    type: "object",
    required: ["storageSize"],
    properties: {
      day: string,
      storageSize: bytes,
      c8y_BinaryStorage: {
        type: "object",
        properties: {
          storedBytes: bytes,
          metadataBytes: bytes,
          binaries: bytes,
          uploadBytes: bytes,
          uploadReservedBytes: bytes,
          uploads: bytes,
          usedBytes: bytes,
          storageQuota: quota,
        },
      },
    },
  },
  TenantUsageSummaries: {
    type: "array",
    items: {
      allOf: [
        { $ref: "#/components/schemas/UsageSummary" },
        {
          type: "object",
          properties: { tenantId: string, tenantCompany: string, tenantDomain: string, creationTime: dateTime },
        },
      ],
    },
  },
  UsageCheck: {
    type: "object",
    required: ["drift"],
    properties: { drift: { type: "array", items: { type: "object" } } },
  },
  TenantCollection: collection("tenants", "Tenant"),
  CurrentTenant: {
    type: "object",
    required: ["self", "name"],
    properties: {
      self: url,
      name: string,
      domainName: string,
      allowCreateTenants: { type: "boolean" },
      customProperties: { type: "object" },
    },
  },
  PlatformApi: {
    type: "object",
    required: ["self", "inventory", "user", "tenant"],
    properties: { self: url, inventory: ref("InventoryApi"), user: { type: "object" }, tenant: { type: "object" } },
  },
  InventoryApi: {
    type: "object",
    required: ["self", "managedObjects"],
    properties: { self: url, managedObjects: referenceCollection, managedObjectsForType: string },
  },
  LoginOptionCollection: {
    type: "object",
    required: ["self", "loginOptions"],
    properties: {
      self: url,
      loginOptions: {
        type: "array",
        items: { type: "object", required: ["id", "type"], properties: { id: string, type: string } },
      },
    },
  },
  LoginForm: {
    type: "object",
    required: ["grant_type", "username", "password"],
    properties: {
      grant_type: { type: "string", enum: ["PASSWORD"] },
      username: string,
      password: string,
      tfa_code: { type: "string", description: "empty or 'undefined': two-factor codes are not supported" },
    },
  },
  AccessToken: {
    type: "object",
    required: ["access_token"],
    properties: { access_token: { type: "string", description: "a JWT (HS256)" } },
  },
  SignedLink: {
    type: "object",
    required: ["url", "expiresAt"],
    properties: { url, expiresAt: dateTime, binaryId: string, revision: { type: "integer" } },
  },
  LinkRequest: {
    type: "object",
    properties: { expiresInSeconds: { type: "integer", minimum: 1, maximum: 604800, default: 3600 } },
  },
  Upload: {
    type: "object",
    required: ["id", "self", "offset", "expires"],
    properties: {
      id: string,
      self: url,
      offset: { type: "integer", minimum: 0 },
      length: { type: "integer", minimum: 0 },
      name: string,
      type: string,
      contentType: string,
      binaryId: string,
      creationTime: dateTime,
      expires: dateTime,
    },
  },
  UploadCollection: collection("uploads", "Upload"),
};
