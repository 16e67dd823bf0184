"""The hybrid logical clock's text keeps causal order however many events share a millisecond."""

from __future__ import annotations

from cxdesk.domain import deskclock
from cxdesk.events.envelope import HybridClock, hlc_millis


def test_text_order_holds_past_ten_thousand_events_in_one_millisecond(monkeypatch):
    monkeypatch.setattr(deskclock, "raw_ms", lambda: 1_764_072_000_000)
    clock = HybridClock("D-A")
    values = [clock.now() for _ in range(25_000)]
    assert values == sorted(values)
    assert len(set(values)) == len(values)
    assert all(len(v) == len(values[0]) for v in values)  # fixed width, as stored before
    # The logical time ran at most a few milliseconds ahead of the frozen wall clock.
    assert hlc_millis(values[-1]) - 1_764_072_000_000 == 2


def test_format_is_unchanged_for_ordinary_use(monkeypatch):
    monkeypatch.setattr(deskclock, "raw_ms", lambda: 1_764_072_000_000)
    clock = HybridClock("D-A")
    assert clock.now() == "0001764072000000-0000-D-A"
    assert clock.now() == "0001764072000000-0001-D-A"


def test_a_widened_counter_from_an_older_desk_is_moved_past(monkeypatch):
    monkeypatch.setattr(deskclock, "raw_ms", lambda: 1_764_072_000_000)
    clock = HybridClock("D-B")
    clock.observe("0001764072000000-12345-D-A")  # as an older cxdesk wrote it
    later = clock.now()
    assert later > "0001764072000001-2345-D-A"
    assert hlc_millis(later) == 1_764_072_000_001
