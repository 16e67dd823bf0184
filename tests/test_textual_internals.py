"""The private Textual attributes cxdesk relies on, in one module, still do their job."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from cxdesk.widgets.textual_internals import column_widths_changed


class OneTable(App[None]):
    def compose(self) -> ComposeResult:
        table: DataTable = DataTable()
        table.add_column("what", key="what", width=10)
        table.add_row("x" * 60)
        yield table


async def test_a_widened_column_is_measured_and_drawn_again():
    app = OneTable()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(DataTable)
        await pilot.pause()
        before = table.virtual_size.width
        column = table.columns[ColumnKey("what")]
        column.width = 40
        column_widths_changed(table)
        await pilot.pause()
        assert table.virtual_size.width == before + 30
        assert "x" * 40 in table.render_line(1).text  # the second line: the header is first
