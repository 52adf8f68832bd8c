"""Which characters the platform accepts in text from outside, and why.

Text arrives in request bodies, query and path values, form fields and the headers the
platform reads (``Idempotency-Key``, bearer tokens). Every such value is held to one rule,
checked where the input is decoded (``services/common/schemas.py::Input``, the request hook in
``services/common/requests.py``), never in each handler:

* **NUL (U+0000) is refused everywhere.** PostgreSQL's text types cannot hold it (the driver
  fails with ``invalid byte sequence for encoding "UTF8": 0x00``, which was a 500), SQLite
  stores it but C code reading the value back stops there: the same input would be kept on one
  database and lost on the other.
* **The other C0 controls (U+0001 to U+001F), DEL (U+007F) and the C1 controls (U+0080 to
  U+009F) are refused**, except tab, line feed and carriage return in free text. Nobody types
  them; they are invisible on a board or a page, they let a value forge a line of its own in
  a log or an export (a line feed in a plate), and ESC sequences repaint a terminal that shows
  a log. A refusal names the field, so a client whose data carries one learns where.
* **Free text** (a reason, a notice, a cargo description: what a person writes, maybe in a
  textarea, which sends CR LF between lines) may hold tab, line feed and carriage return.
  Every other text (names, codes, plates, identifiers, e-mails, keys) is one line and holds
  none of them: a line break in a plate or a tax code is always a mistake.
* **Lone surrogates (U+D800 to U+DFFF) are refused**: they are no characters, have no UTF-8
  form, and the database drivers fail to encode them. JSON decoding refuses them already (a
  400, as malformed JSON); the rule keeps them out of every other path too.

Everything else of Unicode is accepted: Vietnamese and Chinese names, plates such as
``桂F·12345``, emoji in a notice. Length is each field's own constraint, not this rule's.
"""

from __future__ import annotations

import re

from gate.domain.errors import ValidationFailed

# Python's re takes surrogate code points in a class, so one search finds any refused one.
_REFUSED_IN_FREE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_REFUSED_IN_A_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def refused_character(text: str, *, free_text: bool = False) -> str | None:
    """The first character of ``text`` the rule above refuses, or None when it holds none."""
    found = (_REFUSED_IN_FREE_TEXT if free_text else _REFUSED_IN_A_LINE).search(text)
    return found.group() if found else None


def accepted_text(text: str, field: str, *, free_text: bool = False) -> str:
    """``text`` unchanged when the rule above accepts it; else ValidationFailed naming
    ``field`` (as the client wrote it) and the character, as ``U+XXXX``."""
    refused = refused_character(text, free_text=free_text)
    if refused is None:
        return text
    what = "a NUL character" if refused == "\x00" else f"the control character U+{ord(refused):04X}"
    if "\ud800" <= refused <= "\udfff":
        what = f"a lone surrogate (U+{ord(refused):04X})"
    allowed = " (tab and line breaks are allowed here)" if free_text else ""
    raise ValidationFailed(f"{field} holds {what}, which is not accepted{allowed}", field=field)
