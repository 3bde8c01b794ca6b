/** Longest media type served back as a download's Content-Type, and longest label stored
 * (docs/api.md#limits-and-configuration). */
export const MAX_MEDIA_TYPE_LENGTH = 256;

/** What a binary's bytes are labelled when the client gave no usable label. */
export const OCTET_STREAM = "application/octet-stream";

// RFC 9110 section 8.3.1: type "/" subtype *( OWS ";" OWS [ token "=" ( token / quoted-string ) ] ).
// Visible ASCII only (space and tab only around ";" and inside quotes), so a stored value can
// always be sent back as a header: no CR, LF, NUL, DEL, other controls or bytes above 0x7E.
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const QUOTED = '"(?:[\\t \\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\\t \\x21-\\x7e])*"';
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(?:[ \\t]*;[ \\t]*(?:${TOKEN}=(?:${TOKEN}|${QUOTED}))?)*$`);

/** Whether `value` is a media type that a response header can carry unchanged. */
export function isValidMediaType(value: string): boolean {
  return value.length <= MAX_MEDIA_TYPE_LENGTH && MEDIA_TYPE.test(value);
}

/**
 * Printable text: no control characters (C0, DEL, C1), no Unicode line or paragraph separator, no
 * lone surrogate (which JSON and UTF-8 cannot carry faithfully).
 */
function isPrintable(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit < 0x20 || (unit >= 0x7f && unit <= 0x9f) || unit === 0x2028 || unit === 0x2029) return false;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) return false;
  }
  return true;
}

/**
 * The `contentType` stored for a client's label of its bytes (a `file` part's or a PUT's
 * Content-Type, tus `filetype`): metadata, never a reason to refuse the bytes. Cumulocity clients
 * send what they have, e.g. the Python SDK sends the managed object's `type` (`c8y_Firmware`).
 * Printable text of at most 256 characters is kept as sent; anything else (absent, empty, control
 * characters, longer) becomes `application/octet-stream`. Downloads send it back only when it is a
 * valid media type (`servedMediaType`).
 */
export function storedContentType(label: string | undefined): string {
  const value = label?.trim();
  if (!value || value.length > MAX_MEDIA_TYPE_LENGTH || !isPrintable(value)) return OCTET_STREAM;
  return value;
}

/** The Content-Type a download (or an R2 object's metadata) carries for a stored `contentType`. */
export function servedMediaType(contentType: string): string {
  return isValidMediaType(contentType) ? contentType : OCTET_STREAM;
}
