"""The public board's two layouts (``/board/{code}``, services/web/public.py).

- The ordinary one, for a phone or a desk: in the page's language (the cookie's choice, else
  the browser's).
- The wall (``?layout=wall``): a large screen at a control yard, read from across it. Its
  words are Vietnamese and Chinese side by side, whoever opened it: the drivers in the yard
  come from both sides of the border, and a wall has nobody to pick a language. Its figures
  are sized to the screen (frontend/static/board.css).

Both show a clock on the gates' clock (Asia/Ho_Chi_Minh) with its zone named: a Chinese
driver's phone shows UTC+8, an hour ahead of every time on the board. The clock starts from
the server's time, sent with the page, so a yard's screen whose own clock is wrong still
shows the gate's hour (within the page's load time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gate.domain.errors import ValidationFailed
from gate.domain.time import LOCAL_TZ
from services.web.i18n import Translator

WALL = "wall"
# The wall's languages, first to last: the page's own language is the first.
WALL_LANGUAGES = ("vi", "zh")


@dataclass(frozen=True, slots=True)
class Layout:
    """How a board page is drawn: ``wall`` or not, its words (``t``, and ``second``: the
    wall's other language, None on the ordinary layout)."""

    wall: bool
    t: Translator
    second: Translator | None

    def words(self) -> dict[str, Any]:
        """What the page's script needs to speak: ``{"languages": ["vi", "zh"], "words":
        [{key: text}, ...]}``, one catalogue per language, the page's first (whole
        catalogues: a queue class or a direction the platform adds later is named on the
        board without a change here)."""
        spoken = [self.t] if self.second is None else [self.t, self.second]
        return {
            "languages": [t.language for t in spoken],
            "words": [t.table() for t in spoken],
        }


def board_layout(value: str | None, page_language: Translator) -> Layout:
    """The layout asked for by ``?layout=``: absent or empty for the ordinary one, ``wall``
    for the wall's. Anything else is refused (ValidationFailed on the field ``layout``: a
    422 page in the page's language): a mistyped address on a yard's screen would otherwise
    show a phone's board across the yard without anyone knowing why."""
    if not value:
        return Layout(wall=False, t=page_language, second=None)
    if value != WALL:
        raise ValidationFailed("layout is 'wall' or absent", field="layout")
    first, second = WALL_LANGUAGES
    return Layout(wall=True, t=Translator(first), second=Translator(second))


def clock(now: datetime) -> dict[str, Any]:
    """What the board's clock starts from: ``now_ms``, the server's time (milliseconds since
    the epoch); ``zone``, the IANA name of the gates' clock (the script formats with it);
    ``offset``, its UTC offset as people write it (``UTC+07:00``); ``time``, the hour and
    minute there now (shown before the script runs)."""
    local = now.astimezone(LOCAL_TZ)
    offset = local.strftime("%z")  # +0700
    return {
        "now_ms": int(now.timestamp() * 1000),
        "zone": LOCAL_TZ.key,
        "offset": f"UTC{offset[:3]}:{offset[3:]}",
        "time": local.strftime("%H:%M"),
        "iso": local.isoformat(timespec="minutes"),
    }
