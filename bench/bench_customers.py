"""Customer search on 100,000 customers, beside the same searches in raw SQLite.

The store's search tables are filled with the rows the projection writes for a
registration, in one transaction (recording 100,000 events with a durable commit
each would measure the disk, not the search).
Names come from a few hundred given and family names, so there are many
namesakes, as in a real borough.

Figures per query, median of repeated runs:
- cxdesk: ``search_customers`` (typo- and order-tolerant) with the name
  vocabulary cached, as at a desk between changes; "cold" clears that cache
  before each run (the cost of the first search after a customer's name changed);
- raw SQL: the same query as an exact ``LIKE`` / ``=`` in SQLite, the floor a
  plain lookup costs (it finds nothing when the name is mistyped);
- full scan: every customer's name scored with rapidfuzz in Python, the
  obvious typo-tolerant alternative;
- plain: the same ``search_customers`` on the same rows in a plain
  (unencrypted) SQLite store, beside the encrypted desk store ("enc/plain" is
  what encryption costs the search; the goal is under 1.3x).

Run: ``.venv/bin/python bench/bench_customers.py [N]``
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.plainstore import open_plain_store  # noqa: E402
from cxdesk.domain.customers import search_name_score  # noqa: E402
from cxdesk.store import customer_queries, open_store  # noqa: E402
from tests import peek

_GIVEN_TEXT = """
John Mary Maria Amy Zoe Tomasz Fatima Grace Kwame Chloe Daniel Siobhan Ahmed Bethany Priya
Marek Olu Hannah Ion Margaret David Sarah James Emma Mohammed Aisha Peter Laura Paul Anna
Michael Sophie Ali Olivia George Isla Harry Ava Jack Mia Noah Ella Oscar Lily Leo Ruby
Arthur Freya Adam Yusuf Ibrahim Omar Hassan Ayesha Zainab Agnieszka Piotr Katarzyna Andrei
Elena Mihai Ioana Chinedu Ngozi Emeka Adaeze Kofi Ama Yaw Abena Raj Sunita Arjun Deepa
Vikram Anjali Wei Li Ming Chen Hui Jun Hiroshi Yuki Kenji Carlos Lucia Diego Sofia Pedro
Ana Luis Carmen Marco Giulia
"""
GIVEN = _GIVEN_TEXT.split()
_FAMILY_TEXT = """
Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson
Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson
Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan
Allen James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell
Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan
Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb
Rogers Gray Mason Ali Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes
Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins Murray Dixon Harvey Okafor
Mensah Nowak Kowalski Popescu Adeyemi Sharma Dubois Obrien Ahmed Rahman Chowdhury Uddin
Mahmood Iqbal Akhtar Wisniewski Lewandowski Ionescu Nguyen Tran Wang Zhang Liu Garcia
Rodriguez
"""
FAMILY = _FAMILY_TEXT.split()


def fill(store, count: int) -> tuple[str, str]:
    rng = random.Random(42)
    sample = ("", "")
    with store.transaction() as conn:
        for n in range(count):
            dob = f"{rng.randint(1930, 2006)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            fields = {
                "given_name": rng.choice(GIVEN),
                "family_name": rng.choice(FAMILY),
                "date_of_birth": dob,
                "postcode": f"EM{rng.randint(1, 9)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}"
                f"{rng.choice('LNPQRSTUWXYZ')}",
                "phone": f"+447700{rng.randint(900000, 900999)}",
                "council_reference": f"CT-{1000000 + n}",
            }
            write_customer(conn, f"00000000-0000-7000-8000-{n:012d}", fields)
            if n == count // 2:
                sample = (fields["given_name"], fields["family_name"])
    return sample


def write_customer(conn, cid: str, fields: dict) -> None:
    """The rows ``recompute_customer`` would write for a registration (without its event)."""
    from cxdesk.domain.customers import district_of, normalise_name

    conn.execute(
        "INSERT INTO customers (customer_id, given_name, family_name, date_of_birth, birth_year, "
        "address, postcode, postcode_district, phone, email, no_email, preferred_contact, "
        "contact_times, language, interpreter_needed, accessibility_needs, vulnerability_flags, "
        "council_reference, registered_at_ms, registered_location, registered_by, updated_at_ms) "
        "VALUES (?, ?, ?, ?, ?, '', ?, ?, ?, NULL, 1, 'phone', '', 'English', 0, '', '[]', ?, "
        "0, 'CSC', 'B', 0)",
        (
            cid,
            fields["given_name"],
            fields["family_name"],
            fields["date_of_birth"],
            int(fields["date_of_birth"][:4]),
            fields["postcode"],
            district_of(fields["postcode"]),
            fields["phone"],
            fields["council_reference"],
        ),
    )
    tokens = set(normalise_name(f"{fields['given_name']} {fields['family_name']}").split())
    conn.executemany(
        "INSERT OR IGNORE INTO customer_name_tokens (token, customer_id) VALUES (?, ?)",
        [(t, cid) for t in tokens],
    )


def timed(func, repeat: int = 7, cold: bool = False) -> tuple[float, int]:
    times, result = [], None
    for _ in range(repeat):
        if cold:
            customer_queries._vocab.clear()
        start = time.perf_counter()
        result = func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), len(result)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "bench.sqlite3", device_id="D-BENCH", location="CSC")
        plain = open_plain_store(Path(folder) / "plain.sqlite3", "D-BENCH", "CSC")
        start = time.perf_counter()
        given, family = fill(store, count)
        print(f"{count:,} customers loaded in {time.perf_counter() - start:.1f}s (encrypted)")
        start = time.perf_counter()
        fill(plain, count)  # the same seed: the same rows
        print(f"{count:,} customers loaded in {time.perf_counter() - start:.1f}s (plain)")
        dob = peek.scalar(
            store,
            "SELECT date_of_birth FROM customers WHERE given_name = ? AND family_name = ?",
            (given, family),
        )
        typo = family[0] + family[2] + family[1] + family[3:]  # swap two letters
        cases = [
            (f"{family} {given}", "family_name = ? AND given_name = ?", (family, given)),
            (
                f"{given.lower()} {typo.lower()}",
                "family_name = ? AND given_name = ?",
                (typo, given),
            ),
            (
                f"{family} {dob[8:]}/{dob[5:7]}/{dob[:4]}",
                "family_name = ? AND date_of_birth = ?",
                (family, dob),
            ),
            ("CT-1050000", "council_reference = ?", ("CT-1050000",)),
            ("07700 900500", "phone = ?", ("+447700900500",)),
            (family, "family_name LIKE ?", (family + "%",)),
        ]
        every = peek.query(store, "SELECT customer_id, given_name, family_name FROM customers")
        print(
            f"{'query':28} {'cxdesk ms':>9} {'cold':>6} {'found':>5} {'raw SQL ms':>10} "
            f"{'found':>5} {'ratio':>6} {'scan ms':>8} {'plain ms':>8} "
            f"{'enc/plain':>9}"
        )
        ratios = []
        for query, where, params in cases:
            cold, _ = timed(lambda q=query: customer_queries.search_customers(store, q), cold=True)
            ours, found = timed(lambda q=query: customer_queries.search_customers(store, q))
            bare, bare_found = timed(lambda q=query: customer_queries.search_customers(plain, q))
            assert bare_found == found, (query, found, bare_found)
            raw, raw_found = timed(
                lambda w=where, p=params: peek.query(
                    store, f"SELECT customer_id FROM customers WHERE {w} LIMIT 20", p
                )
            )
            scan, _ = timed(
                lambda q=query: [r for r in every if search_name_score(q, r[1], r[2]) >= 80],
                repeat=1,
            )
            ratios.append(ours / bare)
            print(
                f"{query:28} {ours:9.2f} {cold:6.1f} {found:5d} {raw:10.2f} {raw_found:5d} "
                f"{ours / raw if raw else 0:6.1f} {scan:8.0f} {bare:8.2f} "
                f"{ours / bare:8.2f}x"
            )
        print(
            f"encryption's cost to search: median {statistics.median(ratios):.2f}x, "
            f"worst {max(ratios):.2f}x (encrypted store / plain SQLite store, same rows)"
        )
        store.close()
        plain.close()


if __name__ == "__main__":
    main()
