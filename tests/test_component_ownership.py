"""Each store component owns its tables and their indexes.

A component's migrations create indexes only on tables it created itself; the
supervisor's log indexes live with the tables they index (issuing, crisis,
customers). A store made when the supervision component still created them
upgrades to the same indexes a new store gets.
"""

from __future__ import annotations

import re
from pathlib import Path

import cxdesk.store as store_package
from cxdesk.store import open_store, schema_versions
from cxdesk.store.components import load_components
from tests import peek

_TABLE = re.compile(r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.I)
_INDEX = re.compile(
    r"CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\s+ON\s+(\w+)", re.I
)


def _created(component) -> tuple[set[str], list[tuple[str, str]]]:
    sql = "\n".join(m for m in component.migrations if isinstance(m, str))
    return set(_TABLE.findall(sql)), _INDEX.findall(sql)


def test_every_index_is_on_a_table_of_its_own_component():
    strays = []
    for component in load_components():
        tables, indexes = _created(component)
        strays += [
            f"{component.name}: {index} on {table}"
            for index, table in indexes
            if table not in tables
        ]
    assert strays == []


def test_the_check_sees_a_stray_index():
    from cxdesk.store.components import Component

    stray = Component("probe", migrations=["CREATE INDEX x ON issues (at_ms);"])
    tables, indexes = _created(stray)
    assert indexes == [("x", "issues")] and "issues" not in tables


def _indexes(store) -> list[tuple[str, str, str]]:
    rows = peek.query(
        store,
        "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "ORDER BY name",
    )
    # The same index, whichever migration made it ("IF NOT EXISTS" is not kept apart).
    return [(r[0], r[1], re.sub(r"\s+", " ", r[2].replace("IF NOT EXISTS ", ""))) for r in rows]


def test_a_store_from_before_the_move_has_the_same_indexes(tmp_path):
    fresh = open_store(tmp_path / "fresh.sqlite3", device_id="D-NEW", location="CSC")
    wanted = _indexes(fresh)
    fresh.close()
    assert {"issues_log_time", "crisis_requests_issue", "customers_family_name"} <= {
        name for name, _, _ in wanted
    }
    old = open_store(tmp_path / "old.sqlite3", device_id="D-OLD", location="CSC")
    with old.transaction() as conn:  # as the supervision component's first migration left it
        for name in ("issues_log_time", "crisis_requests_issue", "customers_family_name"):
            conn.execute(f"DROP INDEX {name}")
        later_views = (
            "customer_names_v",
            "customer_contacts_v",
            "customer_addresses_v",
            "payment_request_state_v",
        )
        for view in later_views:  # came later still
            conn.execute(f"DROP VIEW {view}")
        conn.execute("CREATE INDEX issues_log_time ON issues (at_ms, issue_id)")
        conn.execute("CREATE INDEX crisis_requests_issue ON crisis_payment_requests (issue_id)")
        conn.execute("CREATE INDEX customers_family_name ON customers (family_name COLLATE NOCASE)")
        for name, version in (("issuing", 2), ("crisis", 1), ("customers", 1)):
            conn.execute(
                "UPDATE schema_components SET version = ? WHERE component = ?", (version, name)
            )
    old.close()
    again = open_store(tmp_path / "old.sqlite3")
    try:
        assert _indexes(again) == wanted
        rows = peek.query(again, "SELECT component, version FROM schema_components")
        versions = {r[0]: r[1] for r in rows}
        assert {name: versions[name] for name in ("issuing", "crisis", "customers")} == {
            name: schema_versions.CURRENT[name] for name in ("issuing", "crisis", "customers")
        }
    finally:
        again.close()


# Store modules that are a component's own: only these may name its tables. The
# others read them through the views the owner declares or the owner's query functions.
_OWN_MODULES = {
    "customers": {"customer_commands", "customer_queries"},
    "staff": {"signin_commands", "staff_queries"},
}
_NAMED = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+(\w+)")


def _tables_of(name: str) -> set[str]:
    component = next(c for c in load_components() if c.name == name)
    return set(component.tables) | _created(component)[0]


def _strays(modules: dict[str, str]) -> set[tuple[str, str]]:
    """(module, table) for each table of a checked component a module not its own names."""
    found = set()
    for component, own in _OWN_MODULES.items():
        tables = _tables_of(component)
        for module, text in modules.items():
            if module not in own:
                found |= {(module, t) for t in _NAMED.findall(text) if t in tables}
    return found


def _store_modules() -> dict[str, str]:
    folder = Path(store_package.__file__).parent
    return {p.stem: p.read_text() for p in folder.glob("*.py")}


def test_no_store_module_names_another_components_tables():
    assert _strays(_store_modules()) == set()


def test_the_scan_sees_a_stray_read():
    probe = {
        "probe_queries": '"SELECT s.name FROM referrals r LEFT JOIN staff s ON s.staff_id = r.by"',
        "probe_commands": '"SELECT 1 FROM customer_names_v WHERE customer_id = ?"',
        "customer_queries": '"SELECT * FROM customers"',
    }
    assert _strays(probe) == {("probe_queries", "staff")}
    assert _strays({"probe": '"SELECT address FROM customers WHERE customer_id = ?"'}) == {
        ("probe", "customers")
    }
