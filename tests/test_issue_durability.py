"""An issue the advisor has seen confirmed survives the app being killed at once.

A real subprocess records a voucher issue through the store commands, prints
CONFIRMED (what the screen shows only after ``issue_item`` returns), and is
SIGKILLed the moment the test reads that line. Reopening the store finds the
issue, and verify says the chain and projections are intact.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from cxdesk.store import open_store
from cxdesk.store.rebuild import verify_store
from tests import peek
from tests.conftest import key_fields_for
from tests.crisis_helpers import register, set_up_council

CHILD = textwrap.dedent(
    """
    import sys, time
    from cxdesk.store import open_store
    from cxdesk.store import issue_commands as ic
    store = open_store(sys.argv[1])
    cid = sys.argv[2]
    check = ic.check_repeat_claims(store, "food_voucher", cid)
    receipt = ic.issue_item(store, actor="ADV1", role="advisor", location="CSC",
        kind="food_voucher", customer_id=cid, serial_text="FV000009", reason="no food",
        check=check)
    print("CONFIRMED", receipt.issue_id, flush=True)
    time.sleep(60)
    """
)


def test_killed_right_after_confirmation_loses_nothing(tmp_path):
    path = tmp_path / "desk.sqlite3"
    store = open_store(path, device_id="D-KILL", location="CSC")
    store.record(
        "StaffEnrolled",
        {
            "staff_id": "ADMIN1",
            "name": "Ada",
            "role": "admin",
            "locations": ["CSC"],
            **key_fields_for("ADMIN1"),
        },
        actor="ADMIN1",
        role="admin",
    )
    set_up_council(store)
    cid = register(store)
    store.close()
    root = Path(__file__).resolve().parent.parent
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), cid],
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    try:
        line = child.stdout.readline()
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert line.startswith("CONFIRMED"), line
    assert child.returncode == -signal.SIGKILL
    issue_id = line.split()[1]
    again = open_store(path)
    try:
        row = peek.query(again, "SELECT serial, status FROM issues WHERE issue_id = ?", (issue_id,))
        assert tuple(row[0]) == ("FV000009", "issued")
        assert (
            peek.scalar(again, "SELECT status FROM stock_items WHERE serial = 'FV000009'")
            == "issued"
        )
        assert verify_store(again).ok
    finally:
        again.close()
