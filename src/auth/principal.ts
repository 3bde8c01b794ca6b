/** The authenticated caller, as the authentication middleware resolves it. */
export interface Principal {
  tenant: string;
  userName: string;
  /** The user's `uid`: unlike the name, never given to another user (docs/api.md#resumable-uploads). */
  userId: string;
  roles: ReadonlySet<string>;
  /** The token session the request came with (docs/api.md#token-login); absent for Basic. */
  session?: string;
}
