"""HistoryTable: the "what" column takes the spare width; the highlighted line is shown whole."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets.data_table import ColumnKey

from cxdesk.widgets.history_table import HistoryDetail, HistoryTable

LONG = "Food voucher FV002001 (£5) (repeat claim overridden: crime reference seen)"


class _View(App):
    def compose(self) -> ComposeResult:
        yield HistoryTable(id="history")


async def _filled(pilot) -> HistoryTable:
    table = pilot.app.query_one(HistoryTable)
    table.add_event(1_764_000_000_000, "Customer registered", "Amara Osei", "CSC", key="a")
    table.add_event(1_764_000_600_000, LONG, "Grace Adebayo", "HUB-NORTH", key="b")
    table.focus()
    await pilot.pause()
    return table


async def test_detail_line_shows_the_highlighted_row_in_full():
    async with _View().run_test(size=(80, 24)) as pilot:
        table = await _filled(pilot)
        detail = pilot.app.query_one(HistoryDetail)
        assert "Customer registered · Amara Osei · CSC" in str(detail.render())
        await pilot.press("down")
        await pilot.pause()
        assert LONG in str(detail.render()).replace("\n", " ")
        table.clear()
        await pilot.pause()
        assert str(detail.render()) == ""


async def test_what_column_takes_the_spare_width():
    async with _View().run_test(size=(80, 24)) as pilot:
        table = await _filled(pilot)
        at_80 = table.columns[ColumnKey("what")].width
        await pilot.resize_terminal(120, 24)
        await pilot.pause()
        await pilot.pause()
        assert table.columns[ColumnKey("what")].width == at_80 + 40
