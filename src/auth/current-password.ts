import type { Database } from "../db/client";
import { findUser } from "../db/users";
import { invalidUserInput, unauthorized } from "../errors";
import { verifyPassword } from "./passwords";

/**
 * A user changing its own password must know the current one (docs/api.md#current-user), whichever endpoint
 * it uses: a stolen session (a token, a cookie) is then not enough to take the account over.
 * `given` is the request's `currentUserPassword`; 422 when missing, empty or wrong, 401 when the
 * user is gone.
 */
export async function checkCurrentPassword(
  db: Database,
  tenant: string,
  userName: string,
  given: unknown,
): Promise<void> {
  if (typeof given !== "string" || given === "") throw invalidUserInput("'currentUserPassword' is required.");
  const user = await findUser(db, tenant, userName);
  if (!user) throw unauthorized("Basic");
  if (!(await verifyPassword(given, user.passwordHash)))
    throw invalidUserInput("'currentUserPassword' is not the current password.");
}
