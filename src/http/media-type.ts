/** Longest Content-Type accepted for a binary's bytes (docs/api.md §12). */
export const MAX_MEDIA_TYPE_LENGTH = 256;

// RFC 9110 §8.3.1: type "/" subtype *( OWS ";" OWS [ token "=" ( token / quoted-string ) ] ).
// Visible ASCII only (space and tab only around ";" and inside quotes), so a stored value can
// always be sent back as a header: no CR, LF, NUL, DEL, other controls or bytes above 0x7E.
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const QUOTED = '"(?:[\\t \\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\\t \\x21-\\x7e])*"';
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(?:[ \\t]*;[ \\t]*(?:${TOKEN}=(?:${TOKEN}|${QUOTED}))?)*$`);

/** Whether `value` is a media type that a response header can carry unchanged. */
export function isValidMediaType(value: string): boolean {
  return value.length <= MAX_MEDIA_TYPE_LENGTH && MEDIA_TYPE.test(value);
}
