import fc from "fast-check";

/** Short strings a hostile client might send: random text, raw bytes and known troublemakers. */
export const hostileText = fc.oneof(
  fc.string({ unit: "grapheme-ascii", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    "",
    " ",
    "-1",
    "0",
    "1e9",
    "NaN",
    "Infinity",
    "0x10",
    "1,2",
    "%",
    "_",
    "'",
    '"',
    "\\",
    "'; DROP TABLE binaries; --",
    "99999999999999999999",
    "\u0000",
    "\ud800",
  ),
);
