"""What a push and a pull cost the central database, counted over the real app.

Per request at the centre is where many desks add up (DESIGN.md, "What a
request costs"): a pull opens with one statement (device, audiences, epoch,
head), a pull with nothing past its cursor needs no other, and a push whose
token this process found good lately makes one transaction, not two.
"""

from __future__ import annotations

import httpx
from sqlalchemy import event

from cxdesk.sync.server import admin

from .test_feed_concurrency import chained_events, push_body


class Counted:
    """Statements and transactions begun on ``engine`` while counting.

    On PostgreSQL the hot paths run statements on psycopg's cursors directly
    (``bulk.read_together``), so they are counted there, with the pipeline (one round
    trip) each was sent in; on SQLite by SQLAlchemy's event.
    """

    def __init__(self, engine) -> None:
        self.statements: list[str] = []
        self.pipelines: list[int | None] = []
        self.begins = 0
        self.postgres = engine.dialect.name == "postgresql"
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "begin", self._begin)
        event.listen(engine, "checkout", self._checkout)
        self.engine = engine

    def _statement(self, _conn, _cursor, statement, *_args) -> None:
        if self.postgres:
            return  # counted by the cursor itself
        if not statement.startswith(("BEGIN", "PRAGMA")):  # SQLite's own BEGIN is ours
            self.statements.append(statement)

    def _checkout(self, dbapi_conn, _record, _proxy) -> None:
        if not self.postgres:
            return
        import psycopg

        counted = self

        class Counting(psycopg.Cursor):
            def execute(self, query, *args, **kwargs):
                sql = query.decode() if isinstance(query, bytes) else str(query)
                if not sql.startswith(("BEGIN", "COMMIT")):
                    pipeline = self.connection._pipeline
                    counted.statements.append(sql)
                    counted.pipelines.append(None if pipeline is None else id(pipeline))
                return super().execute(query, *args, **kwargs)

        dbapi_conn.cursor_factory = Counting

    def _begin(self, _conn) -> None:
        self.begins += 1

    def clear(self) -> None:
        self.statements.clear()
        self.pipelines.clear()
        self.begins = 0

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "begin", self._begin)
        event.remove(self.engine, "checkout", self._checkout)


async def test_a_pull_at_the_head_is_one_statement_and_a_known_push_one_transaction(central):
    _, token = admin.add_device(central.engine, "CSC", "D-COST")
    events = chained_events("D-COST", 3)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    counted = Counted(central.engine)
    try:
        async with httpx.AsyncClient(transport=central.transport(), base_url="http://c") as http:
            counted.clear()
            first = await http.post(
                "/v1/sync/push", headers=headers, content=push_body("D-COST", events[:1])
            )
            assert first.status_code == 200
            assert counted.begins == 2  # the token looked up before the body, then the push
            counted.clear()
            second = await http.post(
                "/v1/sync/push", headers=headers, content=push_body("D-COST", events[1:2])
            )
            assert second.status_code == 200
            assert counted.begins == 1  # known: straight to the push, which checks it again

            page = await http.get("/v1/sync/pull", headers=headers, params={"after": 0})
            body = page.json()
            assert [e["id"] for e in body["events"]][-2:] == [events[0].id, events[1].id]
            counted.clear()
            empty = await http.get("/v1/sync/pull", headers=headers, params={"after": body["next"]})
            assert empty.status_code == 200
            assert empty.json()["events"] == [] and empty.json()["next"] == body["next"]
            assert empty.json()["head"] == body["head"]
            assert counted.begins == 1
            assert "LEFT JOIN devices d ON d.token_hash" in counted.statements[0]
            if not counted.postgres:
                assert len(counted.statements) == 1, counted.statements
            else:
                # The page's first look (its direct places, its backfill), foreseen from
                # the desk's last pull, travels with the first statement: one round trip.
                assert len(counted.statements) == 3, counted.statements
                assert counted.pipelines[0] is not None
                assert len(set(counted.pipelines)) == 1

            # A held pull's first look (mostly empty) sends the first statement alone.
            counted.clear()
            held = http.get(
                "/v1/sync/pull", headers=headers, params={"after": body["next"], "wait": 1}
            )
            held = await held
            assert held.status_code == 200 and held.json()["events"] == []
            assert any("LEFT JOIN devices d ON d.token_hash" in s for s in counted.statements)
            assert not any("GROUP BY s.server_seq" in s for s in counted.statements)  # no look
    finally:
        counted.close()
