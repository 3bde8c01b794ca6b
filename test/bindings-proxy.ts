/**
 * Wrappers around the D1 and R2 bindings that report every round trip before it happens: the
 * round-trip budget tests count them, and the benchmark's simulated world (bench/world) delays them.
 * The wrappers forward everything else untouched, so the worker cannot tell them from the bindings.
 */

/** One round trip to D1 (a statement, or a batch of them) or one R2 operation. */
export type BindingCall =
  | { kind: "d1"; statements: string[]; session: string }
  | { kind: "r2"; op: string; key?: string };

/** Called (and awaited) before each round trip goes out. */
export type OnCall = (call: BindingCall) => void | Promise<void>;

const STATEMENT_METHODS = new Set(["run", "all", "first", "raw"]);

function proxyStatement(
  statement: D1PreparedStatement,
  sql: string,
  session: string,
  onCall: OnCall,
  originals: WeakMap<object, D1PreparedStatement>,
): D1PreparedStatement {
  const proxy = new Proxy(statement, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop === "bind")
        return (...values: unknown[]) => proxyStatement(target.bind(...values), sql, session, onCall, originals);
      if (typeof prop === "string" && STATEMENT_METHODS.has(prop)) {
        return async (...args: unknown[]) => {
          await onCall({ kind: "d1", statements: [sql], session });
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  originals.set(proxy, statement);
  return proxy;
}

const statementSql = new WeakMap<object, string>();

function proxyDatabase<T extends object>(
  db: T,
  session: string,
  onCall: OnCall,
  originals: WeakMap<object, D1PreparedStatement>,
): T {
  return new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== "function") return value;
      const fn = value as (...a: unknown[]) => unknown;
      if (prop === "prepare") {
        return (sql: string) => {
          const statement = proxyStatement(
            fn.call(target, sql) as D1PreparedStatement,
            sql,
            session,
            onCall,
            originals,
          );
          statementSql.set(statement, sql);
          return statement;
        };
      }
      if (prop === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          await onCall({ kind: "d1", statements: statements.map((s) => statementSql.get(s) ?? "?"), session });
          return fn.call(
            target,
            statements.map((s) => originals.get(s) ?? s),
          );
        };
      }
      if (prop === "withSession")
        return (constraint?: string) =>
          proxyDatabase(fn.call(target, constraint) as object, constraint ?? "first-unconstrained", onCall, originals);
      return fn.bind(target);
    },
  });
}

/** The D1 binding, reporting each statement or batch (and the session it runs in). */
export function proxyD1(d1: D1Database, onCall: OnCall): D1Database {
  return proxyDatabase(d1, "binding", onCall, new WeakMap());
}

const R2_OPS = new Set(["get", "head", "put", "delete", "list", "createMultipartUpload"]);
const UPLOAD_OPS = new Set(["uploadPart", "complete", "abort"]);

function proxyUpload(upload: R2MultipartUpload, onCall: OnCall): R2MultipartUpload {
  return new Proxy(upload, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== "function") return value;
      const fn = value as (...a: unknown[]) => Promise<unknown>;
      if (typeof prop === "string" && UPLOAD_OPS.has(prop)) {
        return async (...args: unknown[]) => {
          await onCall({ kind: "r2", op: `multipart.${prop}`, key: target.key });
          return fn.apply(target, args);
        };
      }
      return fn.bind(target);
    },
  });
}

/** The R2 binding, reporting each operation (multipart part uploads included). */
export function proxyR2(bucket: R2Bucket, onCall: OnCall): R2Bucket {
  return new Proxy(bucket, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== "function") return value;
      const fn = value as (...a: unknown[]) => Promise<unknown>;
      if (typeof prop === "string" && R2_OPS.has(prop)) {
        return async (...args: unknown[]) => {
          await onCall({ kind: "r2", op: prop, key: typeof args[0] === "string" ? args[0] : undefined });
          const result = await fn.apply(target, args);
          return prop === "createMultipartUpload" ? proxyUpload(result as R2MultipartUpload, onCall) : result;
        };
      }
      // Resuming only builds a handle (no round trip); its operations are reported.
      if (prop === "resumeMultipartUpload")
        return (...args: unknown[]) => proxyUpload(fn.apply(target, args) as unknown as R2MultipartUpload, onCall);
      return fn.bind(target);
    },
  });
}
