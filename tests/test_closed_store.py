"""The desk store is closed: SQL lives only in ``cxdesk/store/``.

Screens, widgets, CLI commands, seeds and the desk side of sync call the
store's query and command functions; none of them reads a table, holds the
store's connection or opens a transaction. The central API
(``cxdesk/sync/server/``) and the server-side checks run on the central
database, not a desk store, so they are not held to this.
"""

from __future__ import annotations

import ast
from pathlib import Path

import cxdesk
from cxdesk.store import Store

PACKAGE = Path(cxdesk.__file__).parent
CENTRAL = ("sync/server/", "sync/server_")  # the central database, SQLAlchemy
STORE_INTERNALS = {"conn", "reading", "transaction", "set_state", "_tx"}


def _outside_modules() -> list[Path]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith("store/") or rel.startswith(CENTRAL):
            continue
        out.append(path)
    return out


def _problems(path: Path, rel: str) -> list[str]:
    problems = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            if any(n.startswith("cxdesk.store._sql") for n in names):
                problems.append(f"{rel}:{node.lineno} imports the store's raw SQL")
            if "cxdesk.store.db.connect" in names:
                problems.append(f"{rel}:{node.lineno} opens a store database itself")
        if isinstance(node, ast.Import) and any(
            a.name.startswith("cxdesk.store._sql") for a in node.names
        ):
            problems.append(f"{rel}:{node.lineno} imports the store's raw SQL")
        if isinstance(node, ast.Attribute):
            owner = ast.unparse(node.value)
            if node.attr in {"execute", "executemany"}:
                problems.append(f"{rel}:{node.lineno} runs SQL ({owner}.{node.attr})")
            if node.attr == "connect" and owner == "db":
                problems.append(f"{rel}:{node.lineno} opens a store database itself")
            if node.attr in STORE_INTERNALS and (owner == "store" or owner.endswith(".store")):
                problems.append(f"{rel}:{node.lineno} uses {owner}.{node.attr}")
    return problems


def test_nothing_outside_the_store_runs_sql_on_it():
    modules = _outside_modules()
    assert len(modules) > 50  # the scan sees the screens, widgets, commands and sync
    problems = [
        p for path in modules for p in _problems(path, path.relative_to(PACKAGE).as_posix())
    ]
    assert problems == []


def test_the_store_offers_no_raw_query():
    assert not hasattr(Store, "query")
    assert not hasattr(Store, "scalar")


def test_the_scan_finds_what_it_looks_for(tmp_path):
    """The check can fail: each way of reaching the tables is caught."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from cxdesk.store._sql import query\n"
        "from cxdesk.store import db\n"
        "def f(self, store):\n"
        "    db.connect(store.path)\n"
        "    store.conn.execute('SELECT 1')\n"
        "    with self.app.store.transaction() as conn:\n"
        "        conn.executemany('DELETE FROM events', [])\n"
        "    with store.reading() as c:\n"
        "        pass\n"
    )
    assert len(_problems(probe, "probe.py")) == 7
