"""Restores always converge: whichever desk syncs first, with or without the server-marks folder.

The central database goes back to a backup while three desks hold events the
backup lacks (their own, acknowledged, and feed places beyond the backup's
head), and two of them have unsent work as well. Every order of first sync is
tried, with the marks folder kept and lost: at the end every desk and the
server hold the same events, nothing waits, and ``verify`` passes everywhere.
"""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import text

from cxdesk.store.rebuild import verify_store
from cxdesk.store.sync_queries import sync_state
from cxdesk.sync.apply import local_summary
from cxdesk.sync.server.app import create_app, open_database

from .conftest import drop_pg_database
from .test_faults import _backup, _restore
from .test_protocol import events_of, table

ORDERS = list(itertools.permutations("ABC"))
FIRSTS = {("A", "B", "C"), ("B", "C", "A"), ("C", "A", "B")}
"""On PostgreSQL (slower to set up) each desk goes first once; SQLite tries every order."""


def server_events(engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, hash FROM events ORDER BY id"))
        return [tuple(r) for r in rows]


def _reopen(central, url: str, marks) -> None:
    central.engine = open_database(url)
    central.app = create_app(engine=central.engine, marks_dir=marks)
    for desk in central.desks:
        desk.client = central.client(desk.token)


async def _scenario(central, server_url, tmp_path, order: tuple[str, ...], keep_marks: bool):
    # One location: every desk holds the same share of the feed (pull scoping).
    desks = {"A": central.desk("D-A"), "B": central.desk("D-B"), "C": central.desk("D-C")}
    a, b, c = desks["A"], desks["B"], desks["C"]
    a.enrol_staff("A1001")
    for desk in (b, c):
        desk.record_failed_signin()
    for desk in (a, b, c, a):
        await desk.sync()
    backup = _backup(central.engine, server_url, tmp_path)
    _reopen(central, server_url, tmp_path / "marks")
    for desk in (a, b, c):  # acknowledged after the backup: lost by the restore
        desk.record_failed_signin()
        desk.record_failed_signin()
    for desk in (a, b, c, a, b):
        await desk.sync()
    before = set(server_events(central.engine))

    new_url = _restore(central.engine, server_url, backup)
    _reopen(central, new_url, tmp_path / ("marks" if keep_marks else "marks-lost"))
    assert (central.app.state.new_epoch is not None) == keep_marks
    for desk in (a, b):  # unsent work on two desks
        for _ in range(3):
            desk.record_failed_signin()
    unsent = {e for d in (a, b) for e in events_of(d.store)} - before

    for name in order:
        await desks[name].sync()
    for _ in range(2):  # everyone catches up (a desk that synced first pulls the others)
        for name in order:
            await desks[name].sync()

    on_server = set(server_events(central.engine))
    assert on_server == before | unsent
    for desk in (a, b, c):
        assert set(events_of(desk.store)) == on_server, desk.name
        assert local_summary(desk.store).waiting == 0
        assert verify_store(desk.store).ok
    assert len({sync_state(d.store).epoch for d in (a, b, c)}) == 1
    for name in ("staff", "signin_attempts"):
        assert table(a.store, name) == table(b.store, name) == table(c.store, name)
    report = await a.sync()
    assert report.epoch_resets == 0 and report.pulled == 0  # settled
    return new_url


@pytest.mark.parametrize("keep_marks", [True, False], ids=["marks-kept", "marks-lost"])
@pytest.mark.parametrize("order", ORDERS, ids=["".join(o) for o in ORDERS])
async def test_restore_converges_in_any_order(central, server_url, tmp_path, order, keep_marks):
    if not server_url.startswith("sqlite") and order not in FIRSTS:
        pytest.skip("every order runs on SQLite; each desk first on PostgreSQL")
    new_url = await _scenario(central, server_url, tmp_path, order, keep_marks)
    if new_url != server_url:
        central.engine.dispose()
        drop_pg_database(new_url.rsplit("/", 1)[1])


async def test_a_failure_to_record_an_answer_is_words_and_the_next_round_starts_clean(
    central, monkeypatch
):
    from cxdesk.errors import StoreError
    from cxdesk.sync import apply
    from cxdesk.sync.worker import SyncWorker

    a, b = central.desk("D-A"), central.desk("D-B")  # one location: one share of the feed
    b.record_failed_signin()
    await b.sync()
    for _ in range(3):
        a.record_failed_signin()
    real = apply.record_push_results

    def broken(store, response):
        raise KeyError("server_seq")  # a bug, or a store that cannot take the answer

    monkeypatch.setattr(apply, "record_push_results", broken)
    with pytest.raises(StoreError, match="could not record the server's answer"):
        await a.sync()
    worker = SyncWorker(a.store, central.client(a.token))
    await worker.run(max_rounds=1)
    assert "could not record the server's answer (KeyError" in worker.status.last_error  # F8
    assert worker.status.header_text().startswith("Sync refused (F8)")
    monkeypatch.setattr(apply, "record_push_results", real)
    await a.sync()  # clean: pushes everything (duplicates), pulls from zero
    assert local_summary(a.store).waiting == 0
    await b.sync()
    assert set(events_of(a.store)) == set(server_events(central.engine)) == set(events_of(b.store))
    assert verify_store(a.store).ok


async def test_restore_under_a_running_server_is_noticed_from_the_desks(
    central, server_url, tmp_path, monkeypatch
):
    """The database goes back while the API keeps running: no start-up check, proofs only."""
    from cxdesk.sync.server import signing

    if not server_url.startswith("sqlite"):
        pytest.skip("a file restore under a live engine is a SQLite drill")
    monkeypatch.setattr(signing, "RECHECK_SECONDS", 0.0)  # no waiting out the memory
    a, b = central.desk("D-A"), central.desk("D-B")  # one location: one share of the feed
    for desk in (a, b):
        desk.record_failed_signin()
    for desk in (a, b, a):
        await desk.sync()
    backup = _backup(central.engine, server_url, tmp_path)
    for desk in (a, b):
        desk.record_failed_signin()
    for desk in (a, b, a):
        await desk.sync()
    before = set(server_events(central.engine))
    _restore(central.engine, server_url, backup)  # same app, same engine: it reconnects
    assert set(server_events(central.engine)) < before
    b.record_failed_signin()  # unsent work on the desk that syncs first
    for desk in (b, a, b, a):
        await desk.sync()
    on_server = set(server_events(central.engine))
    assert before < on_server
    assert set(events_of(a.store)) == set(events_of(b.store)) == on_server
    assert verify_store(a.store).ok and verify_store(b.store).ok
