/** The authenticated caller, as the authentication middleware resolves it. */
export interface Principal {
  tenant: string;
  userName: string;
  /** The user's `uid`: unlike the name, never given to another user (docs/api.md §20). */
  userId: string;
  roles: ReadonlySet<string>;
  /** The token session the request came with (docs/api.md "Token login"); absent for Basic. */
  session?: string;
}
