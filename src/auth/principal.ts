/** The authenticated caller, as the authentication middleware resolves it. */
export interface Principal {
  tenant: string;
  userName: string;
  /** The user's `uid`: unlike the name, never given to another user (docs/api.md §20). */
  userId: string;
  roles: ReadonlySet<string>;
}
