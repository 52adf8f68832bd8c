"""The statistics page's tables as files: one table as CSV, all of them as an Excel workbook
(a sheet each). The same tables the page shows (services/web/statistics_view.py), headed in
the page's language; agencies named in it too. Each file (each sheet) starts with its scope:
rows of a label and a value (gate, direction, class, agency, span, days, time zone, when it
was made), then an empty row, then the table, so a file passed on says what it counts."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from datetime import datetime

from openpyxl import Workbook

from gate.domain.time import LOCAL_TZ, as_local
from services.web.statistics_view import Cell, Table, Window

# Excel opens a CSV as UTF-8 only when it starts with the byte order mark; without it the
# Vietnamese and Chinese headers come out garbled.
BOM = "\ufeff"
# Excel refuses these in a sheet's name (openpyxl raises ValueError); a title may hold one.
_NOT_IN_SHEET_NAMES = re.compile(r"[\\/*?:\[\]]")


def _row(table: Table, cells: tuple[Cell, ...], t: Callable[[str], str]) -> list[Cell]:
    """A row with an agency's name in the page's language (the other cells as they are)."""
    if table.name == "agencies":
        return [t(str(cells[0])), *cells[1:]]
    return list(cells)


Scope = Sequence[tuple[str, str]]


def scope_of(gate_name: str, window: Window, t: Callable[[str], str], now: datetime) -> Scope:
    """What an export counts, as (label, value) rows in the language of ``t``: the gate, the
    direction, the class (the page reads every class), the agency followed, the span, the
    window's first and last local day, the gates' time zone and ``now`` (aware) as the
    moment it was made, local to the gates."""
    offset = as_local(now).strftime("%z")
    zone = f"{LOCAL_TZ} (UTC{offset[:3]}:{offset[3:]})"
    return (
        (t("gate"), gate_name),
        (t("direction"), t(window.direction) if window.direction else t("stats_both")),
        (t("class"), t("stats_every_class")),
        (t("stats_agency"), t(window.agency) if window.agency else t("stats_every_agency")),
        (t("stats_span"), t(f"stats_span_{window.span.value}")),
        (t("stats_window"), f"{window.first_day.isoformat()} – {window.day.isoformat()}"),
        (t("stats_time_zone"), zone),
        (t("stats_generated_at"), as_local(now).isoformat(timespec="seconds")),
    )


def as_csv(table: Table, t: Callable[[str], str], scope: Scope) -> str:
    """``table`` as CSV text: the ``scope`` rows and an empty row, then a header row in the
    language of ``t``, then its rows (an empty cell for no figure)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(scope)
    writer.writerow([])
    writer.writerow([t(column) for column in table.columns])
    for cells in table.rows:
        writer.writerow(["" if cell is None else cell for cell in _row(table, cells, t)])
    return BOM + out.getvalue()


def as_xlsx(tables: tuple[Table, ...], t: Callable[[str], str], scope: Scope) -> bytes:
    """The tables as an Excel workbook, a sheet each (named by the table's title in the
    language of ``t``, without the characters Excel refuses, cut to its 31), each starting
    with the ``scope`` rows and an empty row; numbers as numbers."""
    book = Workbook()
    for empty in list(book.worksheets):  # a new workbook comes with one empty sheet
        book.remove(empty)
    for table in tables:
        title = _NOT_IN_SHEET_NAMES.sub(" ", t(f"stats_table_{table.name}"))
        sheet = book.create_sheet(title=" ".join(title.split())[:31])
        for line in scope:
            sheet.append(list(line))
        sheet.append([])
        sheet.append([t(column) for column in table.columns])
        for cells in table.rows:
            sheet.append(_row(table, cells, t))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
