"""The table of current component versions matches the components' own migrations,
and a store it calls current really is: opening one loads no component."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cxdesk.errors import StoreError
from cxdesk.store import open_store, schema_versions
from cxdesk.store.components import load_components


def test_table_matches_every_components_migrations():
    declared = {comp.name: len(comp.migrations) for comp in load_components()}
    assert declared == schema_versions.CURRENT, (
        "a component's migrations changed: bring cxdesk/store/schema_versions.py up to date"
    )


def test_a_new_store_records_the_current_versions(tmp_path):
    store = open_store(tmp_path / "desk.sqlite3", device_id="D-1", location="CSC")
    try:
        with store.reading() as conn:
            recorded = dict(conn.execute("SELECT component, version FROM schema_components"))
    finally:
        store.close()
    assert recorded == schema_versions.CURRENT


def test_opening_a_current_store_loads_no_component(tmp_path):
    path = tmp_path / "desk.sqlite3"
    open_store(path, device_id="D-1", location="CSC").close()
    code = (
        "import sys\n"
        "from cxdesk.store import open_store\n"
        f"open_store({str(path)!r}).close()\n"
        "from cxdesk.store import components\n"
        "print(len(components._ORDERED), 'cxdesk.store.projections.customers' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["0", "False"]


def test_a_store_that_differs_from_the_table_takes_the_full_check(tmp_path):
    path = tmp_path / "desk.sqlite3"
    open_store(path, device_id="D-1", location="CSC").close()
    store = open_store(path)
    with store.transaction() as conn:
        conn.execute("UPDATE schema_components SET version = version + 1 WHERE component = 'staff'")
    store.close()
    with pytest.raises(StoreError, match="newer version of cxdesk"):
        open_store(path)
