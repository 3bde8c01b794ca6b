import { Hono } from "hono";
import { forgetCachedLogins } from "../auth/authenticate";
import { hasAnyRole } from "../auth/authorize";
import { checkCurrentPassword } from "../auth/current-password";
import { clearLoginFailures } from "../auth/login-throttle";
import { hashPassword } from "../auth/passwords";
import { CURRENT_USER_MEDIA_TYPE, USER_MEDIA_TYPE } from "../c8y/media-types";
import { Roles } from "../c8y/roles";
import { checkEmail, checkPassword, checkProfileText } from "../c8y/user-input";
import { currentUserJson } from "../c8y/user-json";
import { findUser, updateUser } from "../db/users";
import type { AppEnv } from "../env";
import { forbidden, unauthorized } from "../errors";
import { c8yJson, c8yWritten, originOf, readJsonObject, rejectOtherMethods } from "./context";

/**
 * /user/currentUser (docs/api.md#current-user): every logged-in user reads itself; changing its
 * own name, email, phone or password needs ROLE_USER_MANAGEMENT_OWN_ADMIN (or user management
 * rights), as in the reference. Mounted before /user, whose `/:tenant/*` rules must not see it.
 */
export const currentUserRoutes = new Hono<AppEnv>();

/** The media type a client asked for: the user one (`@c8y/client`'s user.current()) or currentUser. */
function mediaTypeFor(accept: string | undefined): string {
  if (accept && !/currentuser\+json/i.test(accept) && /\.user\+json/i.test(accept)) return USER_MEDIA_TYPE;
  return CURRENT_USER_MEDIA_TYPE;
}

const mayChangeOwnUser = (roles: Parameters<typeof hasAnyRole>[0]) =>
  hasAnyRole(roles, [Roles.userManagementOwnAdmin, Roles.userManagementAdmin]);

currentUserRoutes.get("/", async (c) => {
  const { tenant, userName } = c.var.principal;
  const user = await findUser(c.var.db, tenant, userName);
  // Deleted after its login was cached: as if the credentials were wrong.
  if (!user) throw unauthorized("Basic");
  return c8yJson(c, currentUserJson(originOf(c), user), mediaTypeFor(c.req.header("Accept")));
});

currentUserRoutes.put("/", async (c) => {
  const { tenant, userName } = c.var.principal;
  if (!mayChangeOwnUser(c.var.principal)) throw forbidden();
  const body = await readJsonObject(c);
  // Read-only fields (id, userName, roles, effectiveRoles, enabled, ...) are ignored, as clients send them back.
  const password = body.password === undefined ? undefined : checkPassword(body.password);
  // A new password needs the current one, as PUT /password does: a stolen session (a token, a
  // cookie) must not be enough to take the account over.
  if (password !== undefined) await checkCurrentPassword(c.var.db, tenant, userName, body.currentUserPassword);
  const updated = await updateUser(c.var.db, tenant, userName, {
    email: checkEmail(body.email),
    firstName: checkProfileText(body.firstName, "firstName"),
    lastName: checkProfileText(body.lastName, "lastName"),
    phone: checkProfileText(body.phone, "phone", 40),
    passwordHash: password === undefined ? undefined : await hashPassword(password),
  });
  if (!updated) throw unauthorized("Basic");
  if (password !== undefined) {
    forgetCachedLogins(tenant, userName);
    await clearLoginFailures(c.var.db, tenant, userName);
  }
  return c8yWritten(c, currentUserJson(originOf(c), updated), mediaTypeFor(c.req.header("Accept")), 200);
});

/** `{currentUserPassword, newPassword}`: the current password must match (422 otherwise). */
currentUserRoutes.put("/password", async (c) => {
  const { tenant, userName } = c.var.principal;
  if (!mayChangeOwnUser(c.var.principal)) throw forbidden();
  const body = await readJsonObject(c);
  const newPassword = checkPassword(body.newPassword, "newPassword");
  await checkCurrentPassword(c.var.db, tenant, userName, body.currentUserPassword);
  await updateUser(c.var.db, tenant, userName, { passwordHash: await hashPassword(newPassword) });
  forgetCachedLogins(tenant, userName);
  await clearLoginFailures(c.var.db, tenant, userName);
  return c.body(null, 200);
});

currentUserRoutes.all("/", rejectOtherMethods("GET, PUT"));
currentUserRoutes.all("/password", rejectOtherMethods("PUT"));
