"""Pieces of applying a pull page: the page digest taken in one update, and the cycle
collector held off while a page is read and applied, or a push judged (and only then)."""

from __future__ import annotations

import gc
import threading

from cxdesk.sync import apply
from cxdesk.sync.collector import collector_paused
from cxdesk.sync.receipts import PageDigest

from .test_faults import bulk_failed_signins


def test_a_page_digest_taken_at_once_is_the_digest_taken_event_by_event():
    entries = [(seq, f"id-{seq}", f"{seq:064x}", "D-OWN" if seq % 3 else "D-X") for seq in range(9)]
    one, each = PageDigest("D-OWN"), PageDigest("D-OWN")
    one.add_all(entries)
    for entry in entries:
        each.add(*entry)
    assert (one.hexdigest(), one.count, one.seen) == (each.hexdigest(), each.count, each.seen)
    assert one.count == 3 and one.seen == 9


def test_the_collector_resumes_when_the_last_page_is_done():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # a page parsed while another is applied
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_resumes_after_a_failure_and_stays_off_if_it_was_off():
    try:
        with collector_paused():
            raise ValueError("a bad page")
    except ValueError:
        pass
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_pauses_in_two_threads_resume_once_both_are_done():
    inside, leave = threading.Event(), threading.Event()

    def other() -> None:
        with collector_paused():
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=other)
    with collector_paused():
        thread.start()
        inside.wait(10)
    assert not gc.isenabled()  # the other thread's page is still being applied
    leave.set()
    thread.join(10)
    assert gc.isenabled()


async def test_a_round_applies_its_pages_with_the_collector_held_off_then_resumes_it(
    central, monkeypatch
):
    collecting, real = [], apply.apply_parsed_page

    def noting(*args, **kw):
        collecting.append(gc.isenabled())
        return real(*args, **kw)

    a = central.desk("D-A")
    bulk_failed_signins(a.store, 1500)
    await a.sync()
    monkeypatch.setattr(apply, "apply_parsed_page", noting)
    b = central.desk("D-B")
    await b.sync()
    assert len(collecting) >= 2 and not any(collecting)  # pages of 1,000 then 2,000
    assert gc.isenabled()


async def test_a_push_is_judged_with_the_collector_held_off_then_resumes_it(central, monkeypatch):
    from cxdesk.sync.server import push as server_push
    from cxdesk.sync.server.routes import sync as sync_route

    collecting, real = [], server_push.apply_push

    def noting(*args, **kw):
        collecting.append(gc.isenabled())
        return real(*args, **kw)

    monkeypatch.setattr(sync_route, "apply_push", noting)
    a = central.desk("D-A")
    bulk_failed_signins(a.store, 3)
    report = await a.sync()
    assert report.counts.accepted == 3
    assert collecting == [False]
    assert gc.isenabled()
