import { ALL_ROLES } from "../c8y/roles";
import type { Database } from "../db/client";
import { bootstrapDone, createBootstrapAdminOnce } from "../db/users";
import { hashPassword } from "./passwords";

/** Where the first admin comes from: `.dev.vars` locally, `wrangler secret put` in a deployment. */
export interface BootstrapConfig {
  BOOTSTRAP_TENANT?: string;
  BOOTSTRAP_ADMIN_USER?: string;
  BOOTSTRAP_ADMIN_PASSWORD?: string;
}

const done = new WeakMap<object, Promise<void>>();

/**
 * Creates the configured first admin the first time the service ever runs: a marker row in D1
 * says it was done, so an admin deleted later stays deleted (docs/api.md#authentication-and-login-throttle). Checked
 * once per isolate and database binding. Nothing happens unless all three variables are set, so a
 * deployment has no default login.
 */
export function ensureBootstrapAdmin(db: Database, d1: object, config: BootstrapConfig): Promise<void> {
  const { BOOTSTRAP_TENANT: tenant, BOOTSTRAP_ADMIN_USER: userName, BOOTSTRAP_ADMIN_PASSWORD: password } = config;
  if (!tenant || !userName || !password) return Promise.resolve();
  let pending = done.get(d1);
  if (!pending) {
    pending = (async () => {
      if (await bootstrapDone(db)) return;
      await createBootstrapAdminOnce(db, {
        tenant,
        userName,
        passwordHash: await hashPassword(password),
        roles: ALL_ROLES,
      });
    })();
    // A failed attempt (say, migrations not yet applied) is retried by the next request.
    pending.catch(() => done.delete(d1));
    done.set(d1, pending);
  }
  return pending;
}
