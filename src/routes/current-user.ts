import { Hono } from "hono";
import { CURRENT_USER_MEDIA_TYPE, USER_MEDIA_TYPE } from "../c8y/media-types";
import { currentUserJson } from "../c8y/user-json";
import type { AppEnv } from "../env";
import { changeCurrentPassword, changeCurrentUser, currentUser } from "../users/service";
import { c8yJson, c8yWritten, originOf, readJsonObject, rejectOtherMethods } from "./context";

/**
 * /user/currentUser (docs/api.md#current-user): every logged-in user reads itself; changing its
 * own name, email, phone or password needs ROLE_USER_MANAGEMENT_OWN_ADMIN (or user management
 * rights), as in the reference (users/service). Mounted before /user, whose `/:tenant/*` rules must not see it.
 */
export const currentUserRoutes = new Hono<AppEnv>();

/** The media type a client asked for: the user one (`@c8y/client`'s user.current()) or currentUser. */
function mediaTypeFor(accept: string | undefined): string {
  if (accept && !/currentuser\+json/i.test(accept) && /\.user\+json/i.test(accept)) return USER_MEDIA_TYPE;
  return CURRENT_USER_MEDIA_TYPE;
}

currentUserRoutes.get("/", async (c) => {
  const user = await currentUser(c.var.db, c.var.principal);
  return c8yJson(c, currentUserJson(originOf(c), user), mediaTypeFor(c.req.header("Accept")));
});

currentUserRoutes.put("/", async (c) => {
  const updated = await changeCurrentUser(c.var.db, c.var.principal, () => readJsonObject(c));
  return c8yWritten(c, currentUserJson(originOf(c), updated), mediaTypeFor(c.req.header("Accept")), 200);
});

currentUserRoutes.put("/password", async (c) => {
  await changeCurrentPassword(c.var.db, c.var.principal, () => readJsonObject(c));
  return c.body(null, 200);
});

currentUserRoutes.all("/", rejectOtherMethods("GET, PUT"));
currentUserRoutes.all("/password", rejectOtherMethods("PUT"));
