"""The statistics page's tables as files: one table as CSV, all of them as an Excel workbook
(a sheet each). The same tables the page shows (services/web/statistics_view.py), headed in
the page's language; agencies named in it too."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

from openpyxl import Workbook

from services.web.statistics_view import Cell, Table

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


def as_csv(table: Table, t: Callable[[str], str]) -> str:
    """``table`` as CSV text: a header row in the language of ``t``, then its rows (an empty
    cell for no figure)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([t(column) for column in table.columns])
    for cells in table.rows:
        writer.writerow(["" if cell is None else cell for cell in _row(table, cells, t)])
    return BOM + out.getvalue()


def as_xlsx(tables: tuple[Table, ...], t: Callable[[str], str]) -> bytes:
    """The tables as an Excel workbook, a sheet each (named by the table's title in the
    language of ``t``, without the characters Excel refuses, cut to its 31), numbers as
    numbers."""
    book = Workbook()
    for empty in list(book.worksheets):  # a new workbook comes with one empty sheet
        book.remove(empty)
    for table in tables:
        title = _NOT_IN_SHEET_NAMES.sub(" ", t(f"stats_table_{table.name}"))
        sheet = book.create_sheet(title=" ".join(title.split())[:31])
        sheet.append([t(column) for column in table.columns])
        for cells in table.rows:
            sheet.append(_row(table, cells, t))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
