/**
 * http/'s one error: a request that cannot go on because of what it sent (a malformed Content-Length or JSON
 * text, a body over its cap). It knows no Cumulocity error code: routes/context.ts turns it into the catalogue's
 * 400 or 413 (errors.ts), the only place that maps it, so http/ stays protocol-neutral and imports no domain.
 */
export class HttpInputError extends Error {
  constructor(
    /** 400: malformed; 413: larger than the caller's cap. */
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
    this.name = "HttpInputError";
  }
}
