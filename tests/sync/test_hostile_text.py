"""The central API refuses control and bidirectional characters in every pushed text.

A desk refuses them on its forms; a modified desk (or one from before the rule)
could still push them, so the server checks every text field of every kind
(``cxdesk.events.Payload``) and answers "rejected" with the reason. Nothing
refused reaches the feed, so no other desk ever receives it.
"""

from __future__ import annotations

import uuid6
from sqlalchemy import text

from cxdesk.sync.server import admin
from tests import hostile

from ..conftest import key_fields_for, keys_for


async def test_hostile_text_is_refused_in_every_field_and_never_fed(central, monkeypatch):
    admin.add_staff(
        central.engine,
        "A1001",
        name="Sam Advisor",
        role="advisor",
        locations=["CSC"],
        key_fields=key_fields_for("A1001"),
    )
    desk = central.desk("D-A")
    desk.store.use_keys("A1001", keys_for("A1001"))
    customer_id = str(uuid6.uuid7())
    clean = {
        "customer_id": customer_id,
        "given_name": "Ann",
        "family_name": "Lee",
        "date_of_birth": "1984-02-11",
        "postcode": "EM1 4QT",
    }
    hostile.record(
        desk.store,
        monkeypatch,
        "CustomerRegistered",
        {**clean, "given_name": f"Ann{hostile.OSC52}"},
    )
    hostile.record(
        desk.store,
        monkeypatch,
        "CustomerRegistered",
        {**clean, "customer_id": str(uuid6.uuid7()), "vulnerability_flags": [f"x{hostile.C1_CSI}"]},
    )
    hostile.record(
        desk.store,
        monkeypatch,
        "CustomerRegistered",
        {**clean, "customer_id": str(uuid6.uuid7()), "family_name": f"Lee{hostile.BIDI}"},
    )
    hostile.record(
        desk.store,
        monkeypatch,
        "CustomerRegistered",
        {**clean, "customer_id": str(uuid6.uuid7()), "language": "Welsh\nEnglish"},
    )
    with hostile.allow_hostile(monkeypatch):
        desk.store.record_as_desk("SignInFailed", {"staff_id": "A1", "reason": hostile.OSC0})
    # Line breaks are fine where a kind allows them (a note), and ordinary text is accepted.
    desk.store.record("CustomerRegistered", clean, actor="A1001", role="advisor")
    desk.store.record(
        "CustomerNoteAdded",
        {"customer_id": customer_id, "note": "one\ntwo"},
        actor="A1001",
        role="advisor",
    )

    report = await desk.sync()

    with central.engine.connect() as conn:
        reasons = [
            r
            for (r,) in conn.execute(text("SELECT reason FROM rejected_events ORDER BY device_seq"))
        ]
        fed = conn.execute(text("SELECT kind, payload FROM events WHERE device = 'D-A'")).all()
    assert len(reasons) == 5, reasons
    expected = [
        ("given_name", "001B"),
        ("vulnerability_flags", "009B"),
        ("family_name", "202E"),
        ("language", "000A"),
        ("reason", "001B"),
    ]
    for where, code in expected:
        assert any(
            f"{where}: contains a control or bidirectional character (U+{code})" in r
            for r in reasons
        ), (where, reasons)
    assert sorted(kind for kind, _ in fed) == ["CustomerNoteAdded", "CustomerRegistered"]
    assert not any("\x1b" in payload or "\u202e" in payload for _, payload in fed)
    assert report is not None

    other = central.desk("D-B")
    await other.sync()
    names = [row[0] for row in other.store.conn.execute("SELECT given_name FROM customers")]
    assert names == ["Ann"]
