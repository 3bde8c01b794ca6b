import { AsyncLocalStorage } from "node:async_hooks";

/**
 * What one request cost in storage round trips, for its log line and metric
 * (docs/api.md#request-ids-logs-and-metrics). The D1 and R2 bindings are wrapped once per isolate; each call is counted
 * on the meter of the request it runs in (AsyncLocalStorage, compatibility flag `nodejs_als`), so
 * concurrent requests in one isolate do not mix and nothing below the wiring knows it is counted.
 */
export interface Meter {
  /** D1 statements, each member of a batch counted. */
  d1Statements: number;
  /** D1 round trips: a statement on its own or a whole batch. */
  d1RoundTrips: number;
  /** R2 operations (get, head, put, delete, list, multipart create/part/complete/abort). */
  r2Operations: number;
}

const current = new AsyncLocalStorage<Meter>();

export function newMeter(): Meter {
  return { d1Statements: 0, d1RoundTrips: 0, r2Operations: 0 };
}

/** Runs `work` with `meter` counting every metered binding call it makes (awaited work included). */
export function withMeter<T>(meter: Meter, work: () => Promise<T>): Promise<T> {
  return current.run(meter, work);
}

function countD1(statements: number): void {
  const meter = current.getStore();
  if (!meter) return;
  meter.d1RoundTrips += 1;
  meter.d1Statements += statements;
}

function countR2(): void {
  const meter = current.getStore();
  if (meter) meter.r2Operations += 1;
}

type Fn = (...args: unknown[]) => unknown;

/** `target`'s methods, each bound to it, with `wrap` deciding per method name what to hand out. */
function forward<T extends object>(target: T, wrap: (name: string | symbol, fn: Fn) => Fn | undefined): T {
  return new Proxy(target, {
    get(object, prop) {
      const value = Reflect.get(object, prop, object) as unknown;
      if (typeof value !== "function") return value;
      const fn = (value as Fn).bind(object);
      return wrap(prop, fn) ?? fn;
    },
  });
}

const ROUND_TRIPS = new Set(["run", "all", "first", "raw"]);

function meterStatement(statement: D1PreparedStatement): D1PreparedStatement {
  return forward(statement, (name, fn) => {
    if (name === "bind") {
      return (...values) => {
        const bound = fn(...values) as D1PreparedStatement;
        const metered = meterStatement(bound);
        unmetered.set(metered, bound);
        return metered;
      };
    }
    if (typeof name === "string" && ROUND_TRIPS.has(name)) {
      return (...args) => {
        countD1(1);
        return fn(...args);
      };
    }
    return undefined;
  });
}

/** Metered statements, so a batch can hand the binding the statements it made. */
const unmetered = new WeakMap<object, D1PreparedStatement>();

function meterD1<T extends object>(d1: T): T {
  return forward(d1, (name, fn) => {
    if (name === "prepare") {
      return (sql) => {
        const statement = fn(sql) as D1PreparedStatement;
        const metered = meterStatement(statement);
        unmetered.set(metered, statement);
        return metered;
      };
    }
    if (name === "batch") {
      return (statements) => {
        const list = statements as D1PreparedStatement[];
        countD1(list.length);
        return fn(list.map((s) => unmetered.get(s) ?? s));
      };
    }
    if (name === "withSession") return (...args) => meterD1(fn(...args) as object);
    return undefined;
  });
}

const R2_OPERATIONS = new Set(["get", "head", "put", "delete", "list", "createMultipartUpload"]);
const MULTIPART_OPERATIONS = new Set(["uploadPart", "complete", "abort"]);

function meterMultipart(upload: R2MultipartUpload): R2MultipartUpload {
  return forward(upload, (name, fn) =>
    typeof name === "string" && MULTIPART_OPERATIONS.has(name)
      ? (...args) => {
          countR2();
          return fn(...args);
        }
      : undefined,
  );
}

function meterR2(bucket: R2Bucket): R2Bucket {
  return forward(bucket, (name, fn) => {
    if (name === "resumeMultipartUpload") return (...args) => meterMultipart(fn(...args) as R2MultipartUpload);
    if (typeof name !== "string" || !R2_OPERATIONS.has(name)) return undefined;
    return (...args) => {
      countR2();
      const result = fn(...args);
      if (name !== "createMultipartUpload") return result;
      return (result as Promise<R2MultipartUpload>).then(meterMultipart);
    };
  });
}

const metered = new WeakMap<object, object>();

const isD1 = (value: unknown): value is D1Database =>
  typeof value === "object" && value !== null && "prepare" in value && "batch" in value;
const isR2 = (value: unknown): value is R2Bucket =>
  typeof value === "object" && value !== null && "createMultipartUpload" in value;

/**
 * `env` with every D1 database and R2 bucket binding counted (however many shards a deployment has);
 * one wrapper per env object, so caches keyed on the env or its bindings keep working.
 */
export function meteredEnv<E extends object>(env: E): E {
  let wrapped = metered.get(env) as E | undefined;
  if (!wrapped) {
    const entries = Object.entries(env).map(([name, value]) => {
      if (isD1(value)) return [name, meterD1(value)];
      if (isR2(value)) return [name, meterR2(value)];
      return [name, value];
    });
    wrapped = Object.fromEntries(entries) as E;
    metered.set(env, wrapped);
  }
  return wrapped;
}
