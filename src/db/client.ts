import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

/** The typed drizzle client every query function takes. */
export type Database = DrizzleD1Database<typeof schema>;

/**
 * The one place that knows about D1 read replication (docs/api.md#read-replicas-and-bookmarks).
 *
 * A request gets a drizzle client over one D1 session (`withSession`): reads start at the nearest
 * replica ("first-unconstrained") or, when the client sends back a bookmark, at a replica at least
 * that recent; writes are forwarded to the primary by D1 itself, and the session stays sequentially
 * consistent from then on. A replica may lag behind a write made through another session (another
 * client, another request without the bookmark), so a read that finds nothing is asked once more
 * on the primary (`readYourWrites`). Drizzle's d1 driver only calls `prepare` and `batch`, which a
 * session has, so the session stands in for the binding.
 */

/** Bookmarks as D1 writes them: four dash-separated hex groups; anything else is ignored. */
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

interface SessionState {
  d1: D1Database;
  sessions: D1DatabaseSession[];
  primary?: Database;
}

const states = new WeakMap<Database, SessionState>();
const clients = new WeakMap<D1Database, Database>();

function over(session: D1DatabaseSession): Database {
  return drizzle(session as unknown as D1Database, { schema });
}

/** A client for work outside a request (cron jobs, tests): every query goes to the primary. */
export function createDb(d1: D1Database): Database {
  let db = clients.get(d1);
  if (!db) {
    db = drizzle(d1, { schema });
    clients.set(d1, db);
  }
  return db;
}

/** Whether `value` looks like a D1 bookmark (a client's header is only used when it does). */
export function isBookmark(value: string | undefined): value is string {
  return value !== undefined && BOOKMARK.test(value);
}

/** A client for one request: one D1 session, starting after `bookmark` when the client sent one. */
export function sessionDb(d1: D1Database, bookmark?: string): Database {
  const session = d1.withSession(isBookmark(bookmark) ? bookmark : "first-unconstrained");
  const db = over(session);
  states.set(db, { d1, sessions: [session] });
  return db;
}

/** The primary of a session client (made on first use), or the client itself outside a session. */
export function primaryOf(db: Database): Database {
  const state = states.get(db);
  if (!state) return db;
  if (!state.primary) {
    const session = state.d1.withSession("first-primary");
    state.sessions.push(session);
    state.primary = over(session);
  }
  return state.primary;
}

/**
 * Runs a read; when it finds nothing (a replica that has not yet seen a recent write), runs it
 * once more on the primary. Outside a session it runs once.
 */
export async function readYourWrites<T>(
  db: Database,
  read: (db: Database) => Promise<T | undefined>,
): Promise<T | undefined> {
  const found = await read(db);
  if (found !== undefined || !states.has(db)) return found;
  return read(primaryOf(db));
}

/**
 * The latest bookmark the request's sessions saw, for the response header (null when no query
 * ran). Bookmarks sort lexicographically from oldest to newest.
 */
export function bookmarkOf(db: Database): string | null {
  const state = states.get(db);
  if (!state) return null;
  let latest: string | null = null;
  for (const session of state.sessions) {
    const bookmark = session.getBookmark();
    if (bookmark !== null && (latest === null || bookmark > latest)) latest = bookmark;
  }
  return latest;
}
