"""A table that fits its width: column widths from content, least important dropped first.

Fixed column widths cut what matters ("Closed · opens tomorrow 0") and waste
room elsewhere; at 80 columns an eleven-column log cannot show everything.
``FitTable`` is a ``DataTable`` that is given its columns with a rank (0 must
always show; higher ranks go first when space runs out) and one ``flex``
column (a name or a description) that takes what is left and is cut with an
ellipsis. Every other column that shows is shown whole. The widths are worked
out again whenever the rows or the terminal's width change.

Nothing is lost: ``RowDetail`` under the table shows the highlighted row whole,
every column including those dropped, in words, wrapped.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import events, on
from textual.widgets import DataTable, Static

Cell = str | Text


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    rank: int = 0
    """0: always shown; higher numbers are dropped first when the width runs out."""
    flex: bool = False
    """Takes the width left over (cut with an ellipsis); at most one per table."""
    min_width: int = 1
    """A flex column's narrowest; any other column's width is never below this."""
    max_width: int = 60


def _text(cell: Cell) -> Text:
    return cell.copy() if isinstance(cell, Text) else Text(str(cell))


def plan_widths(
    columns: Sequence[Column], rows: Sequence[Sequence[Cell]], width: int, padding: int = 2
) -> dict[str, int]:
    """Width per shown column key (dropped columns are absent), fitting ``width`` cells."""
    natural = {}
    for i, col in enumerate(columns):
        longest = max((_text(row[i]).cell_len for row in rows), default=0)
        floor = 1 if col.flex else col.min_width  # a fixed column keeps room for its longest
        natural[col.key] = min(col.max_width, max(Text(col.label).cell_len, longest, floor))

    def need(shown: list[Column]) -> int:
        return sum(
            (min(c.min_width, natural[c.key]) if c.flex else natural[c.key]) + padding
            for c in shown
        )

    shown = list(columns)
    while need(shown) > width:
        droppable = [c for c in shown if c.rank > 0]
        if not droppable:
            break
        shown.remove(max(droppable, key=lambda c: (c.rank, -shown.index(c))))
    widths = {c.key: natural[c.key] for c in shown}
    flex = next((c for c in shown if c.flex), None)
    if flex is not None:
        rest = width - sum(widths[c.key] + padding for c in shown if c is not flex) - padding
        widths[flex.key] = max(min(flex.min_width, natural[flex.key]), min(rest, natural[flex.key]))
    return widths


class FitTable(DataTable):
    """A ``DataTable`` whose columns are planned to fit (``set_rows`` fills it)."""

    def __init__(self, columns: Sequence[Column], **kwargs) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", False)
        super().__init__(**kwargs)
        self.fit_columns = list(columns)
        self._rows: list[tuple[Hashable, list[Cell]]] = []
        self._planned_for = -1

    def set_rows(self, rows: Sequence[tuple[Hashable, Sequence[Cell]]]) -> None:
        """Replace every row: (row key, one cell per column in ``columns`` order)."""
        self._rows = [(key, list(cells)) for key, cells in rows]
        self._rebuild()

    def row_cells(self, index: int) -> list[Cell] | None:
        """All cells of the row at ``index``, including dropped columns."""
        return self._rows[index][1] if 0 <= index < len(self._rows) else None

    def _available(self) -> int:
        width = self.size.width or self.app.size.width
        # Room for a vertical scrollbar once the rows outgrow the height.
        return max(20, width - 2)

    def _rebuild(self) -> None:
        keep = self.cursor_row
        available = self._available()
        self._planned_for = available
        cells = [cells for _key, cells in self._rows]
        widths = plan_widths(self.fit_columns, cells, available, padding=2 * self.cell_padding)
        self.clear(columns=True)
        shown = [(i, c) for i, c in enumerate(self.fit_columns) if c.key in widths]
        for _i, col in shown:
            self.add_column(col.label, key=col.key, width=widths[col.key])
        for key, row in self._rows:
            out = []
            for i, col in shown:
                text = _text(row[i])
                text.truncate(widths[col.key], overflow="ellipsis")
                out.append(text)
            self.add_row(*out, key=None if key is None else str(key))
        if self._rows:
            self.move_cursor(row=min(max(keep, 0), len(self._rows) - 1))
        else:
            self._show_detail(-1)  # no row is highlighted: the last one's detail must go

    def _show_detail(self, index: int) -> None:
        detail = self.screen.query(f"#{self.id}-detail") if self.id and self.is_mounted else None
        if detail:
            detail.first(RowDetail).show(self, index)

    def on_resize(self, event: events.Resize) -> None:
        if self._rows and self._available() != self._planned_for:
            self._rebuild()

    @on(DataTable.RowHighlighted)
    def _show_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.cursor_row)


class RowDetail(Static):
    """The highlighted row of a ``FitTable`` whole: "Label: value · Label: value"."""

    DEFAULT_CSS = "RowDetail { height: auto; max-height: 3; padding: 0 1; }"

    def show(self, table: FitTable, index: int) -> None:
        cells = table.row_cells(index)
        if cells is None:
            self.update("")
            return
        line = Text()
        for col, cell in zip(table.fit_columns, cells, strict=True):
            value = _text(cell)
            if not value.plain.strip():
                continue
            if line:
                line.append(" · ")
            line.append(f"{col.label}: ", style="bold")
            line.append_text(value)
        self.update(line)
