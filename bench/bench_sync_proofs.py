"""What the server's signed word costs a sync round: receipts, page marks and restore proofs.

Every push answer now carries a signed receipt, every pull answer a signed
page mark (count and digest of what it carried), and every request brings the
desk's latest receipt and mark back as proof against a restore. This measures,
in one process against the in-process central API on SQLite, with one desk
holding a 2,000-event feed:

1. an empty pull (the common case: a desk polling) sending its proofs, beside
   the same pull sending none (the server then checks nothing);
2. the first check of a fresh proof (a database read and two Ed25519 checks),
   beside an already-checked one (the 5 s per-process memory);
3. signing one page mark, beside the bare SHA-256 of the page's lines.

Run: ``.venv/bin/python bench/bench_sync_proofs.py [N]`` (N requests each, default 300).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORK = Path(tempfile.mkdtemp(prefix="cxdesk-bench-proofs-"))
os.environ["CXDESK_DATA_DIR"] = str(WORK / "data")
os.environ["CXDESK_KEY_DIR"] = tempfile.mkdtemp(prefix="cxdesk-bench-keys-")
os.environ["CXDESK_KEY_STORE"] = "file"

import httpx  # noqa: E402

from cxdesk.store import open_store  # noqa: E402
from cxdesk.store.eventlog import append_local  # noqa: E402
from cxdesk.store.sync_queries import sync_state  # noqa: E402
from cxdesk.sync import apply, receipts  # noqa: E402
from cxdesk.sync.client import AsyncSyncClient  # noqa: E402
from cxdesk.sync.round import sync_round  # noqa: E402
from cxdesk.sync.server import admin, signing  # noqa: E402
from cxdesk.sync.server.app import create_app, open_database  # noqa: E402
from tests import peek  # noqa: E402


def _ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1e3:.3f} ms"


async def _pulls(client: AsyncSyncClient, cursor: int, n: int, proofs: dict) -> list[float]:
    client.proofs = proofs
    out = []
    for _ in range(n):
        start = time.perf_counter()
        await client.pull_raw(cursor, 1000)
        out.append(time.perf_counter() - start)
    return out


async def main(n: int) -> None:
    engine = open_database(f"sqlite:///{WORK / 'central.sqlite3'}")
    app = create_app(engine=engine, marks_dir=WORK / "marks")
    device, token = admin.add_device(engine, "CSC", "D-BENCH")
    store = open_store(WORK / "desk.sqlite3", device_id=device, location="CSC")
    with store.transaction() as conn:
        for i in range(2000):
            append_local(
                conn,
                store.clock,
                kind="SignInFailed",
                payload={"staff_id": "A1001", "reason": f"try {i}"},
                actor="desk",
                role=None,
                device=device,
                location="CSC",
            )
    client = AsyncSyncClient("http://central", token, transport=httpx.ASGITransport(app=app))
    await sync_round(store, client)
    cursor = sync_state(store).cursor
    proofs = apply.proof_headers(store)
    await _pulls(client, cursor, 20, proofs)  # warm up
    with_proofs, bare = [], []
    for _ in range(n):  # alternated, so the machine's load falls on both alike
        with_proofs += await _pulls(client, cursor, 1, proofs)
        bare += await _pulls(client, cursor, 1, {})
    ratio = statistics.median(with_proofs) / statistics.median(bare)
    print(f"empty pull with proofs:     {_ms(with_proofs)}")
    print(f"baseline, same pull bare:   {_ms(bare)}  (ratio {ratio:.2f}x)")

    signed = signing.proofs_from(
        {
            receipts.RECEIPT_HEADER: proofs[receipts.RECEIPT_HEADER],
            receipts.MARK_HEADER: proofs[receipts.MARK_HEADER],
        }
    )
    key = app.state.signing_key
    first, again = [], []
    for _ in range(n):
        seen = signing.SeenProofs()
        start = time.perf_counter()
        signing.notice_restore(engine, key, signed, seen)
        first.append(time.perf_counter() - start)
        start = time.perf_counter()
        signing.notice_restore(engine, key, signed, seen)
        again.append(time.perf_counter() - start)
    print(f"first check of a proof:     {_ms(first)}")
    print(f"baseline, checked already:  {_ms(again)}")

    page = receipts.PageDigest("D-OTHER")
    rows = peek.query(
        store,
        "SELECT a.server_seq, e.id, e.hash, e.device FROM events e "
        "JOIN event_acks a ON a.event_id = e.id ORDER BY a.server_seq LIMIT 1000",
    )
    sign_times, digest_times = [], []
    for _ in range(n):
        start = time.perf_counter()
        page = receipts.PageDigest("D-OTHER")
        for row in rows:
            page.add(*row)
        digest_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        with engine.connect() as conn:
            signing.mark(conn, key, "D-OTHER", 0, page)
        sign_times.append(time.perf_counter() - start)
    print(f"signing a page's mark (+ head): {_ms(sign_times)}")
    print(f"baseline, the page's digest:    {_ms(digest_times)} (1,000 events)")
    await client.aclose()
    store.close()
    engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
