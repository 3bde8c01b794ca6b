/// <reference types="node" />
/**
 * Reads the local state `npm start` leaves under its PERSIST_TO directory (wrangler's v3 layout), with
 * Python's sqlite3 while the service is stopped: which D1 file holds which tenant's rows, and in which R2
 * bucket every stored piece of bytes lives (test/e2e/shards.e2e.test.ts: issue 19's "the local SQLite files
 * show each tenant's rows only in its shard and each tenant's R2 objects only in its region's bucket").
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";

/** Rows per tenant in every local D1 file, and the resumable upload ids per tenant. */
export function d1Files(persistTo: string): {
  file: string;
  directory: number;
  rows: Record<string, number>;
  uploads: Record<string, string[]>;
}[] {
  const dir = join(persistTo, "v3/d1/miniflare-D1DatabaseObject");
  const script = `
import sqlite3, sys, json, glob
out = []
for f in sorted(glob.glob(sys.argv[1] + "/*.sqlite")):
    c = sqlite3.connect(f)
    if not c.execute("select 1 from sqlite_master where name='tenants'").fetchone(): continue
    rows = {}
    for table, column in (("tenants", "id"), ("users", "tenant"), ("binaries", "tenant"), ("uploads", "tenant")):
        for (t, n) in c.execute(f"select {column}, count(*) from {table} group by {column}"):
            rows[t] = rows.get(t, 0) + n
    uploads = {}
    for (i, t) in c.execute("select id, tenant from uploads"):
        uploads.setdefault(t, []).append(i)
    directory = c.execute("select count(*) from tenant_directory").fetchone()[0]
    out.append({"file": f, "directory": directory, "rows": rows, "uploads": uploads})
print(json.dumps(out))
`;
  return JSON.parse(execFileSync("python3", ["-c", script, dir], { encoding: "utf8" }));
}

/** Bytes miniflare keeps for an R2 key: a whole object, a part of a completed multipart object, or of an open one. */
export interface StoredBytes {
  kind: "object" | "part" | "open part";
  key: string;
  /** The buckets (by name) whose blob directory holds these bytes. */
  buckets: string[];
}

/**
 * Every stored piece of bytes in the local R2 state (v3/r2): miniflare keeps each bucket's index in a SQLite
 * file (objects; multipart uploads and their parts) and the bytes as blobs under `<bucket name>/blobs/`.
 */
export function storedBytes(persistTo: string): StoredBytes[] {
  const script = `
import sqlite3, sys, json, glob, os
r2 = sys.argv[1]
buckets = [b for b in os.listdir(r2) if os.path.isdir(os.path.join(r2, b, "blobs"))]
where = lambda blob: [b for b in buckets if os.path.exists(os.path.join(r2, b, "blobs", blob))]
out = []
for f in glob.glob(r2 + "/miniflare-R2BucketObject/*.sqlite"):
    c = sqlite3.connect(f)
    if not c.execute("select 1 from sqlite_master where name='_mf_objects'").fetchone(): continue
    for (key, blob) in c.execute("select key, blob_id from _mf_objects where blob_id is not null"):
        out.append({"kind": "object", "key": key, "buckets": where(blob)})
    parts = "select u.key, p.blob_id, u.state from _mf_multipart_parts p join _mf_multipart_uploads u using (upload_id)"
    for (key, blob, state) in c.execute(parts):
        out.append({"kind": "part" if state == 1 else "open part", "key": key, "buckets": where(blob)})
print(json.dumps(out))
`;
  return JSON.parse(execFileSync("python3", ["-c", script, join(persistTo, "v3/r2")], { encoding: "utf8" }));
}

/** The stored bytes of a tenant: keys under its prefix, and the tails of its resumable uploads. */
export function bytesOf(stored: StoredBytes[], tenant: string, uploadIds: readonly string[]): StoredBytes[] {
  return stored.filter(
    (piece) => piece.key.startsWith(`${tenant}/`) || uploadIds.some((id) => piece.key.startsWith(`%resumable/${id}/`)),
  );
}
