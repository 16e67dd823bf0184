"""``/v1/customers/search``: find a resident this desk does not hold, by likely-match fields.

A desk holds only its location's residents (DESIGN.md, "Who receives what").
When a resident turns up who was registered elsewhere, the desk asks here with
the fields of a likely match (names, date of birth, postcode) and the reason it
needs the record. The server matches on the claims index's keys (it keeps the
people's keys, ``claim_people``, not a second copy of their details), records a
``CustomerRecordViewed`` with that reason at the desk's location for each match
(a view gives the location a grant; the server records it as an advisor's
act, the kind's role), and answers the ids: the records then
arrive with the desk's next pull, history included.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import text

from cxdesk.domain import claim_keys
from cxdesk.sync.protocol import CentralMatch, CentralSearch, CentralSearchAnswer
from cxdesk.sync.server.central import CentralItem, record_central
from cxdesk.sync.server.db import write_transaction
from cxdesk.sync.server.deps import EngineDep, TokenDep, authenticate

router = APIRouter(prefix="/v1", tags=["customers"])
MAX_MATCHES = 5


def find_people(conn, ask: CentralSearch) -> list[CentralMatch]:
    """Residents whose keys match: both name parts (either order), and the date of birth
    the same, or nearly the same with the same postcode."""
    given, family = claim_keys.name_key(ask.given_name), claim_keys.name_key(ask.family_name)
    same = claim_keys.dob_key(ask.date_of_birth)
    close = {claim_keys.dob_key(d) for d in claim_keys.close_dates(ask.date_of_birth)}
    postcode = claim_keys.postcode_key(ask.postcode) if ask.postcode else None
    rows = conn.execute(
        text(
            "SELECT customer_id, dob, postcode FROM claim_people WHERE "
            "((given_name = :g AND family_name = :f) OR (given_name = :f AND family_name = :g))"
        ),
        {"g": given, "f": family},
    )
    found = []
    for customer_id, dob, their_postcode in rows:
        if dob == same:
            found.append(CentralMatch(customer_id=customer_id, how="same date of birth"))
        elif dob in close and postcode is not None and their_postcode == postcode:
            found.append(CentralMatch(customer_id=customer_id, how="date of birth nearly the same"))
    return sorted(found, key=lambda m: (m.how != "same date of birth", m.customer_id))


@router.post("/customers/search", response_model=CentralSearchAnswer)
async def search(ask: CentralSearch, token: TokenDep, engine: EngineDep) -> CentralSearchAnswer:
    """Residents held elsewhere that match; each is recorded as viewed here, with the reason."""

    def work() -> CentralSearchAnswer:
        with write_transaction(engine) as conn:
            device = authenticate(conn, token)
            matches = find_people(conn, ask)[:MAX_MATCHES]
            views = [
                CentralItem(
                    "CustomerRecordViewed",
                    {
                        "customer_id": m.customer_id,
                        "reason": f"central search from {device.id}: {ask.reason}"[:120],
                    },
                    role="advisor",
                    location=device.location,
                )
                for m in matches
            ]
            if views:
                record_central(conn, views)
        return CentralSearchAnswer(matches=matches)

    return await run_in_threadpool(work)
