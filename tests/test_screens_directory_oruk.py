"""The directory detail at 80x24 for entries imported from Open Referral UK: the phone
extension, dated hours and holiday closures shown, and no bank holiday claim made."""

from __future__ import annotations

import json
from pathlib import Path

from cxdesk.screens.directory_detail import DirectoryDetailScreen
from cxdesk.store.directory_commands import import_directory

from .deskkit import build_desk, make_test_app, screen_text, settle, sign_in

SIZE = (80, 24)
PAGES = [
    json.loads((Path(__file__).parent / "oruk" / f"services_page_{n}.json").read_text())
    for n in (1, 2)
]


async def _detail(store, query: str) -> str:
    app = make_test_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "A1001")
        await pilot.press(*query)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DirectoryDetailScreen)
        return " ".join(screen_text(app).split())


async def test_imported_entry_shows_extension_holidays_and_no_bank_holiday_claim(store):
    build_desk(store, with_directory=False)
    import_directory(store, PAGES, actor="ADMIN1", role="admin")
    line = await _detail(store, "welfare rights line")
    assert "020 7946 0711 ext 2" in line
    assert "Times above are UTC, as published" in line
    larder = await _detail(store, "community larder")
    assert "Fri 25 Dec 2026 to Mon 28 Dec 2026: closed (Christmas closure)" in larder
    assert "bank holiday" not in larder.lower()


async def test_copying_a_number_with_an_extension_says_the_extension(store):
    build_desk(store, with_directory=False)
    import_directory(store, PAGES, actor="ADMIN1", role="admin")
    app = make_test_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "A1001")
        await pilot.press(*"welfare rights line")
        await settle(pilot)
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert app.clipboard == "020 7946 0711"  # what can be dialled
        assert any("then extension 2" in n.message for n in app._notifications)
