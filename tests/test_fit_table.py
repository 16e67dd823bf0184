"""Lists fit 80 columns: widths from content, least important dropped first, nothing cut that
matters, the highlighted row whole below."""

from __future__ import annotations

from cxdesk.widgets.fit_table import Column, plan_widths
from tests.deskkit import build_desk, make_test_app, screen_text, settle, shows, sign_in

COLUMNS = [
    Column("when", "When"),
    Column("where", "Where", rank=2),
    Column("who", "Customer", flex=True, min_width=10),
    Column("note", "Note", rank=3),
    Column("status", "Status", rank=1),
]
ROW = ["30/11/2026 19:10", "HUB-NORTH", "Bartholomew Featherstonehaugh", "x" * 30, "issued"]


def test_everything_fits_when_there_is_room():
    widths = plan_widths(COLUMNS, [ROW], 200)
    assert widths == {"when": 16, "where": 9, "who": 29, "note": 30, "status": 6}


def test_least_important_columns_go_first_and_the_rest_stay_whole():
    widths = plan_widths(COLUMNS, [ROW], 60)
    assert "note" not in widths  # rank 3 went first
    assert widths["when"] == 16 and widths["where"] == 9 and widths["status"] == 6
    assert sum(w + 2 for w in widths.values()) <= 60
    narrow = plan_widths(COLUMNS, [ROW], 40)
    assert set(narrow) == {"when", "who", "status"}


def test_a_column_is_never_narrower_than_its_heading():
    assert plan_widths([Column("n", "Number")], [["1"]], 80) == {"n": 6}


async def test_lookup_status_whole_at_80_columns(store):
    build_desk(store)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "A1001")
        await pilot.press(*"emergency duty")
        await settle(pilot)
        row = next(line for line in screen_text(app).splitlines() if "020 7946 0999" in line)
        assert ("Open now · closes" in row or "Closed · opens" in row) and row.rstrip()[-1] != "…"
        # The highlighted row, whole, under the list.
        assert shows(app, "Team or service: STAFF Emergency Duty Team · Number: 020 7946 0999")
