import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { hashPassword } from "../src/auth/passwords";
import { ALL_ROLES } from "../src/c8y/roles";
import { createDb } from "../src/db/client";
import { findPlacementRow } from "../src/db/directory";
import { createUserIfAbsent } from "../src/db/users";
import worker from "../src/index";
import { readTopology } from "../src/shards/topology";
import { createTenant } from "../src/tenants/service";
import { concat, randomBytes } from "./bytes";

export { concat, randomBytes };

export const BASE = "http://example.test";

/** Sends a request through the real worker. */
export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE}${path}`, init));
}

/**
 * One request to the worker with some bindings replaced (e.g. a tight rate limiter), its body read and its
 * waitUntil work finished before returning.
 */
export async function callWithBindings(path: string, init: RequestInit, bindings: Partial<Env>): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${BASE}${path}`, init), { ...env, ...bindings } as Env, ctx);
  await res.clone().arrayBuffer();
  await waitOnExecutionContext(ctx);
  return res;
}

/** Basic Authorization header value. */
export function basic(login: string, password: string): string {
  return `Basic ${btoa(`${login}:${password}`)}`;
}

/** The directory's database (shard 0, binding DB). For a tenant's rows use `shardDb(tenant)`. */
export const db = () => createDb(env.DB);

/** The deployment's shards and regions as the tests configure them (vitest.config.mts). */
export const topology = () => readTopology(env);

/** The shard that holds a tenant (issue 19): its number, database and region's bucket. */
export async function shardOf(tenant: string): Promise<{ no: number; d1: D1Database; bucket: R2Bucket }> {
  const t = topology();
  const row = await findPlacementRow(db(), tenant);
  const shard = row && t.shard(row.shard);
  const region = row && t.regions.get(row.region ?? t.defaultRegion);
  if (!shard || !region) throw new Error(`tenant ${tenant} is in no shard`);
  return { no: shard.no, d1: shard.d1, bucket: region.bucket };
}

/** The D1 database (the shard) that holds `tenant`'s rows: where a test reads or changes them directly. */
export async function shardD1(tenant: string): Promise<D1Database> {
  return (await shardOf(tenant)).d1;
}

/** A drizzle client on the shard of `tenant`. */
export async function shardDb(tenant: string) {
  return createDb((await shardOf(tenant)).d1);
}

/** Creates a tenant the way POST /tenant/tenants does (least-loaded shard of its region) unless it exists. */
export async function seedTenant(tenant: string, region?: string): Promise<void> {
  if (await findPlacementRow(db(), tenant)) return;
  await createTenant(topology(), { id: tenant, company: tenant, domain: `${tenant}.example.test`, region });
}

/** Seeds a user (and its tenant, placed on a shard) straight into D1; returns its Authorization header. */
export async function seedUser(
  tenant: string,
  userName: string,
  roles: readonly string[] = ALL_ROLES,
  password = "secret-password",
): Promise<string> {
  await seedTenant(tenant);
  const shard = await shardDb(tenant);
  await createUserIfAbsent(shard, { tenant, userName, passwordHash: await hashPassword(password), roles });
  return basic(`${tenant}/${userName}`, password);
}

/** A multipart body built by hand, so tests control part order, headers and framing. */
export function multipartBody(
  parts: { name: string; value: string | Uint8Array; filename?: string; contentType?: string }[],
  boundary = "----testboundary7MA4YWxkTrZu0gW",
): { body: Uint8Array; contentType: string } {
  const enc = new TextEncoder();
  const chunks: Uint8Array[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`;
    if (part.filename !== undefined) head += `; filename="${part.filename}"`;
    head += "\r\n";
    if (part.contentType) head += `Content-Type: ${part.contentType}\r\n`;
    head += "\r\n";
    chunks.push(
      enc.encode(head),
      typeof part.value === "string" ? enc.encode(part.value) : part.value,
      enc.encode("\r\n"),
    );
  }
  chunks.push(enc.encode(`--${boundary}--\r\n`));
  return { body: concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A ReadableStream without a known length, as a chunked request body arrives. */
export function chunkedStream(bytes: Uint8Array, chunkSize = 64 * 1024): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
}

/** Base64 MD5, as the `_attachments` digest carries it. */
export async function md5Base64(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("MD5", bytes));
  return btoa(String.fromCharCode(...digest));
}

/** The R2 key a binary's row points at (keys are `{tenant}/{uuid}` and do not name the binary). */
export async function r2KeyOf(tenant: string, id: string | number): Promise<string> {
  const row = await (await shardOf(tenant)).d1
    .prepare("SELECT r2_key AS key FROM binaries WHERE tenant = ? AND id = ?")
    .bind(tenant, Number(id))
    .first<{ key: string }>();
  if (!row) throw new Error(`no binary ${tenant}/${id}`);
  return row.key;
}

/** Row and object counts over every shard and bucket, to prove a rejected request changed nothing. */
export async function storeCounts(): Promise<{ rows: number; objects: number }> {
  let rows = 0;
  let objects = 0;
  for (const shard of topology().shards) {
    rows += (await shard.d1.prepare("SELECT COUNT(*) AS n FROM binaries").first<{ n: number }>())?.n ?? 0;
  }
  for (const region of topology().regions.values()) objects += (await region.bucket.list()).objects.length;
  return { rows, objects };
}

/** Uploads a small file the way the official client does (file first) and returns the managed object. */
export async function upload(
  auth: string,
  name: string,
  content: string | Uint8Array,
  extra: Record<string, unknown> = {},
  type = "c8y_test",
): Promise<Record<string, any>> {
  const { body, contentType } = multipartBody([
    { name: "file", value: content, filename: "upload.bin", contentType: "application/octet-stream" },
    { name: "object", value: JSON.stringify({ name, type, ...extra }) },
  ]);
  const res = await call("/inventory/binaries", {
    method: "POST",
    body,
    headers: { Authorization: auth, "Content-Type": contentType, Accept: "application/json" },
  });
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  return res.json();
}

/**
 * A chunked multipart body whose file part is `size` pseudo-random bytes generated on the fly,
 * so large uploads do not sit in the test isolate's memory. Resolves `md5` once fully read.
 */
export function generatedMultipart(
  size: number,
  before: string,
  after: string,
  seed = 9,
): { body: ReadableStream<Uint8Array>; md5: Promise<string> } {
  const enc = new TextEncoder();
  const digest = new crypto.DigestStream("MD5");
  const writer = digest.getWriter();
  let sent = 0;
  let stage = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (stage === 0) {
        stage = 1;
        return controller.enqueue(enc.encode(before));
      }
      if (sent < size) {
        const chunk = randomBytes(Math.min(256 * 1024, size - sent), seed + sent);
        sent += chunk.length;
        await writer.write(chunk);
        return controller.enqueue(chunk);
      }
      controller.enqueue(enc.encode(after));
      controller.close();
      await writer.close();
    },
  });
  const md5 = digest.digest.then((d) => btoa(String.fromCharCode(...new Uint8Array(d))));
  return { body, md5 };
}

/** Length and MD5 of a response body, read as a stream. */
export async function digestOf(res: Response): Promise<{ length: number; md5: string }> {
  const digest = new crypto.DigestStream("MD5");
  let length = 0;
  await res
    .body!.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, c) {
          length += chunk.length;
          c.enqueue(chunk);
        },
      }),
    )
    .pipeTo(digest);
  return { length, md5: btoa(String.fromCharCode(...new Uint8Array(await digest.digest))) };
}

/** tus 1.0.0 request headers (docs/api.md#resumable-uploads). */
export const TUS = { "Tus-Resumable": "1.0.0" };
export const TUS_OCTETS = "application/offset+octet-stream";

/** A tus PATCH of `body` (`length` bytes, a buffer or a stream) at `offset`; `headers` add or override. */
export function tusPatch(
  path: string,
  authorization: string,
  body: BodyInit,
  length: number,
  offset = 0,
  headers: Record<string, string> = {},
): Promise<Response> {
  return call(path, {
    method: "PATCH",
    headers: {
      Authorization: authorization,
      ...TUS,
      "Content-Type": TUS_OCTETS,
      "Upload-Offset": String(offset),
      "Content-Length": String(length),
      ...headers,
    },
    body,
  });
}

/** The sum over every shard of a `SELECT COUNT(*) AS n …` (for rows that must be gone everywhere). */
export async function countEverywhere(query: string, ...binds: unknown[]): Promise<number> {
  let n = 0;
  for (const shard of topology().shards) {
    n +=
      (await shard.d1
        .prepare(query)
        .bind(...binds)
        .first<number>("n")) ?? 0;
  }
  return n;
}

/** A request with a JSON body (or none) as `auth`; Accept asks for the written object back unless `accept` is false. */
export function callJson(method: string, path: string, auth: string, body?: unknown, accept = true): Promise<Response> {
  return call(path, {
    method,
    headers: {
      Authorization: auth,
      "Content-Type": "application/json",
      ...(accept ? { Accept: "application/json" } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** The password of the first admin (`admin`) of every tenant made by postTenant. */
export const TENANT_ADMIN_PASSWORD = "admin-password-1";

/** The Authorization of the first admin of a tenant made by postTenant. */
export const tenantAdmin = (id: string): string => basic(`${id}/admin`, TENANT_ADMIN_PASSWORD);

/**
 * POST /tenant/tenants as `platformAdmin`: tenant `id` with its first admin `admin` (tenantAdmin(id)); `fields`
 * adds or overrides (region, storageQuota, ...). Returns the response, for the caller's own checks.
 */
export function postTenant(platformAdmin: string, id: string, fields: Record<string, unknown> = {}): Promise<Response> {
  const tenant = {
    id,
    company: `${id} Ltd`,
    domain: `${id}.example.com`,
    adminName: "admin",
    adminPass: TENANT_ADMIN_PASSWORD,
    ...fields,
  };
  return callJson("POST", "/tenant/tenants", platformAdmin, tenant);
}

/**
 * Creates tenant `id` as the platform admin `platformAdmin` with a storage quota (null: unlimited); resolves its
 * admin's Authorization (tenantAdmin(id)). Throws unless the tenant was created.
 */
export async function createTenantWithQuota(
  platformAdmin: string,
  id: string,
  storageQuota: number | null,
): Promise<string> {
  const res = await postTenant(platformAdmin, id, { storageQuota });
  if (res.status !== 201) throw new Error(`creating tenant ${id}: ${res.status} ${await res.text()}`);
  return tenantAdmin(id);
}

/** A response body as the chunks it arrived in (to see how a streamed answer was cut). */
export async function chunksOf(res: Response): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  const body = res.body!.getReader();
  for (let read = await body.read(); !read.done; read = await body.read()) chunks.push(read.value);
  return chunks;
}

/** Whether an R2 multipart upload is still open: a part can still be added to it (tests of aborts). */
export async function stillOpen(bucket: R2Bucket, key: string, uploadId: string): Promise<boolean> {
  try {
    await bucket.resumeMultipartUpload(key, uploadId).uploadPart(9, new Uint8Array(5));
    return true;
  } catch {
    return false;
  }
}
