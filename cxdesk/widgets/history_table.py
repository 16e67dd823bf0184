"""The "what happened" table under a record's details: when, what, who, where.

A customer's timeline and a referral's steps are the same kind of list, one
event a line, newest or oldest first as the query gives them. Both screens
show it with the same four columns, sized so the table fits 80 columns, the
time in UK time and who did it shortened to "Helen M.". Summaries, names and
places are ``Text`` made safe by ``safe_text``, so nothing typed by staff is read
as markup or reaches the terminal as a control sequence.
A long summary is cut in its column, so the highlighted line is also shown
whole on a detail line under the table.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on
from textual.widget import Widget
from textual.widgets import DataTable, Static
from textual.widgets.data_table import ColumnKey, RowKey

from cxdesk.domain.safe_text import safe
from cxdesk.widgets.textual_internals import column_widths_changed

LONDON = ZoneInfo("Europe/London")


def when(ms: int) -> str:
    """Milliseconds since the epoch as a short UK date and time."""
    return datetime.fromtimestamp(ms / 1000, LONDON).strftime("%d/%m/%y %H:%M")


def short_name(name: str) -> str:
    """ "Helen Marsh" as "Helen M.", so who did it fits a narrow column."""
    parts = name.split()
    return f"{parts[0]} {parts[-1][0]}." if len(parts) > 1 else name


FIXED = {"when": 14, "who": 9, "where": 11}
"""Widths of the columns that stay put; "what" takes whatever is left."""
PADDING = 2
"""Cells DataTable adds around each column (one each side)."""


class HistoryDetail(Static):
    """The whole of the highlighted line, under the table, so a cut summary can be read."""

    DEFAULT_CSS = """
    HistoryDetail { height: auto; max-height: 2; padding: 0 1; background: $panel;
        text-style: bold; }
    """


class HistoryTable(DataTable):
    """A row-cursor table of events; ``what`` names the second column ("What", "Step").

    The "what" column takes the spare width (and gives up room for a scrollbar),
    and a ``HistoryDetail`` line placed just under the table shows the
    highlighted line in full.
    """

    def __init__(self, what: str = "What", *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row")
        self.add_column("When", key="when", width=FIXED["when"])
        self.add_column(what, key="what", width=37)
        self.add_column("Who", key="who", width=FIXED["who"])
        self.add_column("Where", key="where", width=FIXED["where"])
        self._lines: dict[RowKey, Text] = {}
        self.detail = HistoryDetail("")

    def on_mount(self) -> None:
        if isinstance(self.parent, Widget):
            self.parent.mount(self.detail, after=self)

    def clear(self, columns: bool = False) -> HistoryTable:
        """Empty the table (and the detail line)."""
        self._lines.clear()
        self.detail.update("")
        return super().clear(columns)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_what)

    def _fit_what(self) -> None:
        """Give the "what" column every cell the other columns and a scrollbar leave."""
        spare = self.scrollable_content_region.width - sum(FIXED.values())
        width = max(20, spare - PADDING * len(self.columns))
        column = self.columns.get(ColumnKey("what"))
        if column is None or column.width == width:
            return
        column.width = width
        column_widths_changed(self)

    def add_event(
        self, at_ms: int, summary: str, actor_name: str, location: str, key: str | None = None
    ) -> None:
        """One line: when, what, who (shortened) and where."""
        row_key = self.add_row(
            when(at_ms), safe(summary), safe(short_name(actor_name)), safe(location), key=key
        )
        self._lines[row_key] = safe(f"{when(at_ms)}  {summary} · {actor_name} · {location}")
        if self.row_count == 1:
            self._show(row_key)

    @on(DataTable.RowHighlighted)
    def _show_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table is self:
            self._show(event.row_key)

    def _show(self, key: RowKey) -> None:
        self.detail.update(self._lines.get(key, Text()))
