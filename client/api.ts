/**
 * A small client of the binaries API for the files page and the CLI: fetch only, so it runs in
 * browsers and in Node alike. Paths and semantics: docs/api.md#endpoints, docs/api.md#the-managed-object-of-a-binary,
 * docs/api.md#collection-and-paging, docs/api.md#upload-post, docs/api.md#download-get-head, docs/api.md#replace-put.
 */
import type { Credentials } from "./credentials";
import { errorOf } from "./errors";
import type { BinaryObject } from "./managed-object";

export interface ListQuery {
  pageSize: number;
  currentPage: number;
  text?: string;
  type?: string;
  /**
   * Types matching a pattern where `*` stands for any run of characters (case-sensitive), sent as
   * the inventory query language's `type eq '…'` (docs/api.md#inventory-queries), e.g. `*Firm*`.
   */
  typePattern?: string;
  owner?: string;
  /** Server-side order as the inventory query language's `$orderby`, e.g. "name asc"; omitted: by id. */
  orderBy?: string;
}

export interface Page {
  items: BinaryObject[];
  currentPage: number;
  pageSize: number;
  totalPages?: number;
  totalElements?: number;
  hasNext: boolean;
}

export interface SignedLink {
  url: string;
  /** ISO time after which the link answers 403/404; absent when the server did not say. */
  expires?: string;
}

const JSON_ACCEPT = "application/json";

/**
 * How requests prove who they are (docs/api.md#authentication-and-login-throttle, docs/api.md#token-login): an
 * `Authorization` header value (Basic or
 * `Bearer <token>`), or the browser's HttpOnly login cookie, which the browser attaches by itself
 * and which needs the `X-XSRF-TOKEN` header, read from the readable `XSRF-TOKEN` cookie.
 */
export type Auth = string | { xsrfToken: () => string };

/** The token login's form (docs/api.md#token-login): go-c8y-cli and @c8y/client send tfa_code=undefined too. */
function loginForm(credentials: Credentials): string {
  return new URLSearchParams({
    grant_type: "PASSWORD",
    username: credentials.user,
    password: credentials.password,
    tfa_code: "",
  }).toString();
}

function loginPath(endpoint: "tenant/oauth" | "tenant/oauth/token", tenant: string): string {
  return tenant ? `${endpoint}?tenant_id=${encodeURIComponent(tenant)}` : endpoint;
}

/**
 * Token login: POSTs the password form once. `cookie` (browsers): the answer sets the HttpOnly
 * `authorization` cookie and the `XSRF-TOKEN` cookie, nothing is returned. `token`: resolves the
 * bearer token (scripts, the CLI).
 */
export async function logIn(
  baseUrl: string,
  credentials: Credentials,
  flow: "cookie" | "token",
  fetcher: typeof fetch = (input, init) => fetch(input, init),
): Promise<string | undefined> {
  const client = new BinariesClient(baseUrl, { xsrfToken: () => "" }, fetcher);
  const endpoint = flow === "cookie" ? "tenant/oauth" : "tenant/oauth/token";
  const response = await fetcher(client.url(loginPath(endpoint, credentials.tenant)), {
    method: "POST",
    body: loginForm(credentials),
    // UseXBasic: a wrong password must not make the browser show its own login dialog.
    headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: JSON_ACCEPT, UseXBasic: "true" },
  });
  if (response.status >= 400) throw await errorOf(response, "Login");
  if (flow === "cookie") return undefined;
  const body = (await response.json()) as { access_token?: unknown };
  if (typeof body.access_token !== "string") throw new Error("The server answered the login without a token.");
  return body.access_token;
}

export class BinariesClient {
  constructor(
    /** Origin (and optional path prefix) of the service, e.g. "http://127.0.0.1:8787". */
    readonly baseUrl: string,
    /** The `Authorization` header value, or the login cookie's XSRF token. */
    private readonly auth: Auth,
    private readonly fetcher: typeof fetch = (input, init) => fetch(input, init),
  ) {}

  /** Absolute URL of a path of the API. */
  url(path: string): string {
    return new URL(path, this.baseUrl.endsWith("/") ? this.baseUrl : `${this.baseUrl}/`).toString();
  }

  /** Headers every request carries: credentials, and UseXBasic so browsers never pop up their own login. */
  headers(extra: Record<string, string> = {}): Record<string, string> {
    const credentials: Record<string, string> =
      typeof this.auth === "string" ? { Authorization: this.auth } : { "X-XSRF-TOKEN": this.auth.xsrfToken() };
    return { ...credentials, UseXBasic: "true", ...extra };
  }

  /** Ends the token session on the server (POST /user/logout) and, for the cookie flow, drops the cookies. */
  async logout(): Promise<void> {
    await this.request(
      "user/logout",
      { method: "POST", body: "{}", headers: { "Content-Type": JSON_ACCEPT, Accept: JSON_ACCEPT } },
      "Logging out",
    );
  }

  /** Sends a request; any status >= 400 becomes an ApiRequestError carrying the API's message. */
  async request(
    path: string,
    init: RequestInit & { headers?: Record<string, string> } = {},
    what = "The request",
  ): Promise<Response> {
    const response = await this.fetcher(this.url(path), { ...init, headers: this.headers(init.headers) });
    if (response.status >= 400) throw await errorOf(response, what);
    return response;
  }

  /** Checks the credentials; resolves to the tenant's name. */
  async currentTenant(): Promise<string> {
    const response = await this.request("tenant/currentTenant", { headers: { Accept: JSON_ACCEPT } }, "Login");
    const body = (await response.json()) as { name?: string };
    return body.name ?? "";
  }

  /**
   * The tenant's storage use and quota (GET /tenant/statistics/summary, docs/api.md#usage-and-quotas):
   * `usedBytes` counts stored files and what unfinished uploads reserve; `storageQuota` null is no quota.
   * Undefined when the caller may not see it (403) or the server does not count it.
   */
  async usage(): Promise<{ usedBytes: number; storageQuota: number | null } | undefined> {
    const response = await this.fetcher(this.url("tenant/statistics/summary"), {
      headers: this.headers({ Accept: JSON_ACCEPT }),
    });
    if (response.status === 403 || response.status === 404) return undefined;
    if (response.status >= 400) throw await errorOf(response, "Reading the storage use");
    const body = (await response.json()) as {
      c8y_BinaryStorage?: { usedBytes?: unknown; storageQuota?: unknown };
    };
    const storage = body.c8y_BinaryStorage;
    if (typeof storage?.usedBytes !== "number") return undefined;
    return {
      usedBytes: storage.usedBytes,
      storageQuota: typeof storage.storageQuota === "number" ? storage.storageQuota : null,
    };
  }

  async list(query: ListQuery): Promise<Page> {
    const params = new URLSearchParams({
      pageSize: String(query.pageSize),
      currentPage: String(query.currentPage),
      withTotalPages: "true",
      withTotalElements: "true",
    });
    if (query.text) params.set("text", query.text);
    if (query.type) params.set("type", query.type);
    if (query.owner) params.set("owner", query.owner);
    const clauses = [];
    if (query.typePattern) clauses.push(`$filter=(type eq '${query.typePattern.replaceAll("'", "''")}')`);
    if (query.orderBy) clauses.push(`$orderby=${query.orderBy}`);
    if (clauses.length > 0) params.set("query", clauses.join(" "));
    const response = await this.request(
      `inventory/binaries?${params}`,
      { headers: { Accept: JSON_ACCEPT } },
      "Listing files",
    );
    const body = (await response.json()) as {
      managedObjects?: BinaryObject[];
      next?: string;
      statistics?: { currentPage?: number; pageSize?: number; totalPages?: number; totalElements?: number };
    };
    const stats = body.statistics ?? {};
    const currentPage = stats.currentPage ?? query.currentPage;
    return {
      items: body.managedObjects ?? [],
      currentPage,
      pageSize: stats.pageSize ?? query.pageSize,
      totalPages: stats.totalPages,
      totalElements: stats.totalElements,
      hasNext: stats.totalPages !== undefined ? currentPage < stats.totalPages : body.next !== undefined,
    };
  }

  /** The managed object of a binary. */
  async get(id: string): Promise<BinaryObject> {
    const response = await this.request(
      `inventory/managedObjects/${encodeURIComponent(id)}`,
      { headers: { Accept: JSON_ACCEPT } },
      "Reading the file's details",
    );
    return (await response.json()) as BinaryObject;
  }

  /** Changes name and/or type (and any fragments given); the bytes stay. */
  async update(id: string, changes: { name?: string; type?: string }): Promise<BinaryObject> {
    const response = await this.request(
      `inventory/managedObjects/${encodeURIComponent(id)}`,
      { method: "PUT", body: JSON.stringify(changes), headers: { "Content-Type": JSON_ACCEPT, Accept: JSON_ACCEPT } },
      "Saving the changes",
    );
    return (await response.json()) as BinaryObject;
  }

  /** Deletes a binary; with `ifMatch` only while its bytes are still those (412 otherwise). */
  async remove(id: string, ifMatch?: string): Promise<void> {
    await this.request(
      `inventory/binaries/${encodeURIComponent(id)}`,
      { method: "DELETE", headers: ifMatch ? { "If-Match": ifMatch } : {} },
      "Deleting",
    );
  }

  /** Replaces the bytes in one PUT (docs/api.md#replace-put); with `ifMatch` only if nobody changed them. */
  async replace(
    id: string,
    body: NonNullable<RequestInit["body"]>,
    contentType: string,
    ifMatch?: string,
  ): Promise<BinaryObject> {
    const headers: Record<string, string> = { "Content-Type": contentType, Accept: JSON_ACCEPT };
    if (ifMatch) headers["If-Match"] = ifMatch;
    const response = await this.request(
      `inventory/binaries/${encodeURIComponent(id)}`,
      { method: "PUT", body, headers, duplex: "half" } as RequestInit & { headers: Record<string, string> },
      "Replacing",
    );
    return (await response.json()) as BinaryObject;
  }

  /** GET of the bytes; `range` as "bytes=N-", `ifRange` an ETag. The caller reads the body. */
  download(id: string, options: { range?: string; ifRange?: string; signal?: AbortSignal } = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    if (options.range) headers.Range = options.range;
    if (options.ifRange) headers["If-Range"] = options.ifRange;
    return this.request(
      `inventory/binaries/${encodeURIComponent(id)}`,
      { headers, signal: options.signal },
      "Downloading",
    );
  }

  /** Mints a signed download link that needs no credentials (docs/api.md#signed-download-links). */
  async createLink(id: string, expiresInSeconds?: number): Promise<SignedLink> {
    const body = expiresInSeconds === undefined ? {} : { expiresInSeconds };
    const response = await this.request(
      `inventory/binaries/${encodeURIComponent(id)}/links`,
      { method: "POST", body: JSON.stringify(body), headers: { "Content-Type": JSON_ACCEPT, Accept: JSON_ACCEPT } },
      "Creating a link",
    );
    const link = (await response.json()) as { url?: string; expiresAt?: string };
    if (!link.url) throw new Error("The server answered without a link URL.");
    return { url: link.url, expires: link.expiresAt };
  }

  /** Where tus uploads are created (docs/api.md#resumable-uploads). */
  get uploadsEndpoint(): string {
    return this.url("inventory/binaries/uploads");
  }

  /** Whether the server speaks tus (OPTIONS answers with Tus-Version). */
  async supportsTus(): Promise<boolean> {
    try {
      const response = await this.fetcher(this.uploadsEndpoint, { method: "OPTIONS", headers: this.headers() });
      return response.ok && response.headers.has("Tus-Version");
    } catch {
      return false;
    }
  }
}
