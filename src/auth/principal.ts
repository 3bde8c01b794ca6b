/** The authenticated caller, as the authentication middleware resolves it. */
export interface Principal {
  tenant: string;
  userName: string;
  roles: ReadonlySet<string>;
}
