"""The directory's events, projection, import diff, cached index and verify."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxdesk import locations
from cxdesk.errors import AuthError, ValidationError
from cxdesk.events.envelope import Event
from cxdesk.store.directory_commands import import_directory, remove_entry
from cxdesk.store.directory_queries import (
    directory_index,
    get_entry,
    load_entries,
    search_directory,
)
from cxdesk.store.eventlog import record_ack
from cxdesk.store.rebuild import verify_store
from tests import peek

FIXTURE = locations.fixtures_dir() / "directory.csv"
ADMIN = {"actor": "ADMIN1", "role": "admin"}


def count(store, kind):
    return peek.scalar(store, "SELECT COUNT(*) FROM events WHERE kind = ?", (kind,))


def test_import_twice_changes_nothing(store):
    first = import_directory(store, FIXTURE, **ADMIN)
    assert first.added and not first.changed and not first.skipped
    events = count(store, "DirectoryEntryUpdated")
    assert events == len(first.added)
    second = import_directory(store, FIXTURE, **ADMIN)
    assert second.added == [] and second.changed == []
    assert second.unchanged == len(first.added)
    assert count(store, "DirectoryEntryUpdated") == events
    assert verify_store(store).ok


def test_changed_entry_records_one_event(store, tmp_path):
    import_directory(store, FIXTURE, **ADMIN)
    before = count(store, "DirectoryEntryUpdated")
    text = FIXTURE.read_text(encoding="utf-8").replace("020 7946 0101", "020 7946 0102", 1)
    edited = tmp_path / "edited.csv"
    edited.write_text(text, encoding="utf-8")
    report = import_directory(store, edited, **ADMIN)
    assert report.changed == ["housing-options"] and report.added == []
    assert count(store, "DirectoryEntryUpdated") == before + 1
    assert get_entry(store, "housing-options").phone == "+442079460102"
    assert verify_store(store).ok


def test_bad_rows_are_reported_and_good_ones_imported(store, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "id,name,phone,hours\n"
        "ok-team,OK Team,020 7946 0500,Mon-Fri 09:00-17:00\n"
        "bad-phone,Bad Phone,12345,Mon-Fri 09:00-17:00\n"
        "bad-hours,Bad Hours,020 7946 0501,Someday 09:00\n",
        encoding="utf-8",
    )
    report = import_directory(store, bad, **ADMIN)
    assert report.added == ["ok-team"]
    rows = sorted(p.row for p in report.skipped)
    assert rows == [3, 4]
    assert all(p.reason for p in report.skipped)


def test_remove_missing_and_index_refresh(store, tmp_path):
    import_directory(store, FIXTURE, **ADMIN)
    index = directory_index(store)
    assert directory_index(store) is index  # cached while nothing changes
    remove_entry(store, "housing-options", **ADMIN)
    fresh = directory_index(store)
    assert fresh is not index
    assert fresh.get("housing-options") is None
    assert all(e.id != "housing-options" for e in load_entries(store))
    assert verify_store(store).ok


def test_search_finds_typos_with_open_status(store):
    import_directory(store, FIXTURE, **ADMIN)
    results = search_directory(store, "housng", limit=5)
    assert results[0].entry.name == "Housing Options"
    assert results[0].status


def test_only_supervisors_and_admins_change_the_directory(store):
    with pytest.raises(AuthError):
        import_directory(store, FIXTURE, actor="A1", role="advisor")
    with pytest.raises(ValidationError):
        import_directory(store, Path("directory.xlsx"), **ADMIN)


def test_latest_in_feed_order_wins(store):
    """A later server place decides which version is current, whatever the local order."""
    import_directory(store, FIXTURE, **ADMIN)
    entry = get_entry(store, "housing-options").model_dump(mode="json")
    first = store.record("DirectoryEntryUpdated", {**entry, "notes": "first"}, **ADMIN)
    second = store.record("DirectoryEntryUpdated", {**entry, "notes": "second"}, **ADMIN)
    assert get_entry(store, "housing-options").notes == "second"
    # The server places the second change before the first: the first is the latest.
    imported = peek.scalar(
        store, "SELECT id FROM events WHERE kind = 'DirectoryEntryUpdated' ORDER BY rowid_ LIMIT 1"
    )
    with store.transaction() as conn:
        record_ack(conn, _event(store, imported), status="accepted", server_seq=1)
        record_ack(conn, _event(store, second.id), status="accepted", server_seq=10)
        record_ack(conn, _event(store, first.id), status="accepted", server_seq=11)
    assert get_entry(store, "housing-options").notes == "first"
    assert verify_store(store).ok


def _event(store, event_id) -> Event:
    from cxdesk.store.eventlog import EVENT_COLUMNS, row_to_event

    row = peek.query(store, f"SELECT {EVENT_COLUMNS} FROM events WHERE id = ?", (event_id,))[0]
    return row_to_event(row)
