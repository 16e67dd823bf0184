"""The central schema under Alembic, on SQLite and PostgreSQL.

An empty database and one at the hand-rolled v9 (built by the frozen steps in
``legacy_central.py``, with data in every table) both end at the newest
revision with exactly the schema ``models.py`` declares, as Alembic's own
comparison sees it (tables, columns, types, nullability, server defaults,
indexes, unique constraints). The data survives, the events still refuse
UPDATE and DELETE but for erasure's blanking, and the real app serves the
taken-over database. Older hand-rolled versions, databases from a newer
cxdesk and databases that are not cxdesk's are refused and left untouched.
"""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from cxdesk.errors import StoreError
from cxdesk.store import Store
from cxdesk.sync.server.app import create_app
from cxdesk.sync.server.db import is_postgres, make_engine
from cxdesk.sync.server.migrations import (
    BASELINE,
    HANDED_OVER,
    LEGACY_LATEST,
    alembic_config,
    migrate,
)
from cxdesk.sync.server.models import metadata

from .conftest import Central
from .legacy_central import build_legacy

NOW = "2026-03-02T10:00:00.000000Z"
OLD_ROWS = {
    "devices": [
        "INSERT INTO devices VALUES ('D-OLD', 'HUB-X', 'tokenhash', FALSE, 2, 'h2', :now, 'HUB-Y')",
        "INSERT INTO devices VALUES ('D-GONE', 'HUB-X', NULL, TRUE, 0, :genesis, :now, NULL)",
    ],
    "events": [
        "INSERT INTO events (server_seq, id, kind, payload, payload_digest, actor, device, "
        "location, device_seq, hlc, prev_hash, hash, subject, received_at, signature) VALUES "
        '(1, \'ev-1\', \'CustomerRegistered\', \'{"customer_id":"C1","given_name":"Ana"}\', '
        "'d1', 'A1', 'D-OLD', 'HUB-X', 1, '1772445600000-0000-D-OLD', :genesis, 'h1', 'C1', "
        ":now, 'sig1')",
        "INSERT INTO events (server_seq, id, kind, payload, payload_digest, actor, device, "
        "location, device_seq, hlc, prev_hash, hash, subject, received_at, signature) VALUES "
        "(2, 'ev-2', 'VoucherIssued', '{\"customer_id\":\"C1\",\"issue_id\":\"I1\"}', 'd2', "
        "'A1', 'D-OLD', 'HUB-X', 2, '1772445600001-0000-D-OLD', 'h1', 'h2', 'C1', :now, NULL)",
    ],
    "feed_counter": ["UPDATE feed_counter SET value = 2"],
    "roster": ["INSERT INTO roster VALUES ('A1', 'advisor', '[\"HUB-X\"]', TRUE, 'pk-A1')"],
    "rejected_events": [
        "INSERT INTO rejected_events VALUES ('D-OLD', 3, 'ev-3', 'VoucherIssued', 'A1', 'h3', "
        "'no stock', :now)"
    ],
    "device_refusals": ["INSERT INTO device_refusals VALUES ('D-GONE', 403, 7, :now)"],
    "scope_targets": [
        "INSERT INTO scope_targets VALUES (1, 'customer:C1', TRUE)",
        "INSERT INTO scope_targets VALUES (2, 'HUB-X', FALSE)",
    ],
    "scope_grants": ["INSERT INTO scope_grants VALUES ('customer:C1', 'HUB-X', 1)"],
    "scope_locations": ["INSERT INTO scope_locations VALUES ('HUB-X', 'hub')"],
    "scope_private": ["INSERT INTO scope_private VALUES ('R1', 'HUB-X')"],
    "claim_people": ["INSERT INTO claim_people VALUES ('C1', 'ana', 'x', '1990', 'AB1')"],
    "claims_index": [
        "INSERT INTO claims_index VALUES (2, 'I1', 'food_voucher', 'rk', 'ana', 'x', '1990', "
        "'AB1', 1772445600001, 'HUB-X', 'issued')"
    ],
    "erased_events": ["INSERT INTO erased_events VALUES ('ev-1', 2)"],
    "scope_homes": ["INSERT INTO scope_homes VALUES ('c:C1', 'HUB-X')"],
    "scope_standing": ["INSERT INTO scope_standing VALUES ('c:C1', 'HUB-Y')"],
    "scope_dropped": ["INSERT INTO scope_dropped VALUES ('c:C1', 'HUB-Z', 1)"],
    "report_issues": [
        "INSERT INTO report_issues VALUES ('I1', 2, 'food_voucher', 'C1', 'FV1', 500, 'HUB-X', "
        "'A1', 1772445600001, 'allow', 0, FALSE, '', 'issued', NULL, NULL, NULL, NULL, NULL)"
    ],
    "report_stock": [
        "INSERT INTO report_stock VALUES (2, 'food_voucher', 'issued', NULL, 'HUB-X', NULL, "
        "1772445600001, 1, 'A1', 'I1')"
    ],
    "proof_nonces": ["INSERT INTO proof_nonces VALUES ('n1', 'S1', 1772445600001)"],
}


def _fill(engine: Engine) -> None:
    with engine.begin() as conn:
        for statements in OLD_ROWS.values():
            for statement in statements:
                conn.execute(text(statement), {"now": NOW, "genesis": "0" * 64})


def _contents(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table the models declare, in a stable order."""
    with engine.connect() as conn:
        return {
            t.name: sorted(tuple(r) for r in conn.execute(select(t)))
            for t in metadata.sorted_tables
        }


def _differences(engine: Engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        return compare_metadata(context, metadata)


def _head(engine: Engine) -> tuple[str, ...]:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_heads()


def _newest() -> str:
    with make_engine("sqlite://").connect() as conn:
        newest = ScriptDirectory.from_config(alembic_config(conn)).get_current_head()
    assert newest is not None
    return newest


def _refused(engine: Engine, statement: str) -> None:
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))


def assert_append_only(engine: Engine) -> None:
    """Event 1 is listed as erased, event 2 is not; neither may change but by blanking 1.

    (And the feed counter keeps its one row: the CHECK survives SQLite's rebuild.)
    """
    _refused(engine, "UPDATE events SET kind = 'Forged' WHERE server_seq = 2")
    _refused(engine, "UPDATE events SET payload = '{}' WHERE server_seq = 2")
    _refused(engine, "UPDATE events SET hash = 'x', payload = '{}' WHERE server_seq = 1")
    _refused(engine, "DELETE FROM events WHERE server_seq = 2")
    _refused(engine, "DELETE FROM events WHERE server_seq = 1")
    if is_postgres(engine):
        _refused(engine, "TRUNCATE events")
    with engine.begin() as conn:  # erasure's one sanctioned change
        conn.execute(text("UPDATE events SET payload = '{}' WHERE server_seq = 1"))
    with engine.connect() as conn:
        payloads = conn.execute(text("SELECT payload FROM events ORDER BY server_seq")).all()
    assert [p for (p,) in payloads][0] == "{}" and "I1" in payloads[1][0]
    with pytest.raises(IntegrityError), engine.begin() as conn:  # one feed counter, ever
        conn.execute(text("INSERT INTO feed_counter (id, value) VALUES (2, 0)"))


@pytest.fixture
def pg_url(empty_pg_url):
    """These tests build (or refuse to build) the schema themselves: an empty database."""
    return empty_pg_url


@pytest.fixture
def engine(server_url):
    engine = make_engine(server_url)
    yield engine
    engine.dispose()


def test_empty_database_is_built_to_the_models(engine):
    assert migrate(engine)[0] == BASELINE
    assert _head(engine) == (_newest(),)
    assert _differences(engine) == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM feed_counter")).scalar_one() == 0
        assert conn.execute(text("SELECT COUNT(*) FROM epochs")).scalar_one() == 1
        assert len(conn.execute(text("SELECT value FROM server_meta")).scalar_one()) == 32
        central = conn.execute(text("SELECT location FROM devices WHERE id = 'central'"))
        assert central.scalar_one() == "CENTRAL"
        versions = conn.execute(text("SELECT version FROM schema_version")).scalars().all()
    assert versions == [HANDED_OVER]  # a cxdesk from before Alembic refuses it as newer
    assert migrate(engine) == []  # the second start changes nothing
    _fill(engine)
    assert_append_only(engine)


async def test_todays_database_is_taken_over_with_its_data(engine, tmp_path):
    build_legacy(engine)
    _fill(engine)
    before = _contents(engine)
    applied = migrate(engine)
    assert applied and BASELINE not in applied  # stamped at the baseline: nothing re-created
    assert _head(engine) == (_newest(),)
    assert _differences(engine) == []
    after = _contents(engine)
    versions = after.pop("schema_version")
    assert [v[0] for v in versions] == [*range(1, LEGACY_LATEST + 1), HANDED_OVER]
    before.pop("schema_version")
    assert after == before
    assert_append_only(engine)

    # The real app serves it: a desk enrols, pushes and pulls; the feed goes on from 2.
    central = Central(engine, create_app(engine=engine, marks_dir=tmp_path / "marks"), tmp_path)
    desk = central.desk("D-NEW")
    desk.record_failed_signin()
    report = await desk.sync()
    assert report.counts.rejected == 0
    with engine.connect() as conn:
        seqs = conn.execute(text("SELECT server_seq FROM events WHERE server_seq > 2"))
        mine = conn.execute(text("SELECT server_seq FROM events WHERE device = 'D-NEW'"))
        assert seqs.scalars().all()[0] == 3 and len(mine.all()) == 1
    assert isinstance(desk.store, Store)
    desk.store.close()


@pytest.mark.parametrize("version", [1, 3, LEGACY_LATEST - 1])
def test_older_hand_rolled_database_is_refused_untouched(engine, version):
    build_legacy(engine, upto=version)
    tables = set(inspect(engine).get_table_names())
    with pytest.raises(StoreError, match=f"old schema v{version};"):
        migrate(engine)
    assert set(inspect(engine).get_table_names()) == tables  # no alembic_version either
    with engine.connect() as conn:
        assert conn.execute(text("SELECT MAX(version) FROM schema_version")).scalar() == version


def test_database_from_a_newer_cxdesk_is_refused(engine):
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StoreError, match="newer than this cxdesk"):
        migrate(engine)


def test_a_database_that_is_not_cxdesks_is_refused(engine):
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE invoices (id INTEGER PRIMARY KEY)"))
    with pytest.raises(StoreError, match="not a cxdesk central database"):
        migrate(engine)
    assert inspect(engine).get_table_names() == ["invoices"]


def test_hand_rolled_version_past_v9_without_alembic_is_refused(engine):
    build_legacy(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO schema_version VALUES (11, :t, 'future')"), {"t": NOW})
    with pytest.raises(StoreError, match="schema v11 but no Alembic revision"):
        migrate(engine)
    assert "alembic_version" not in inspect(engine).get_table_names()
