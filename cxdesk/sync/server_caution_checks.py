"""Server checks for the cautionary contact register: a marker goes live by a second supervisor.

The desk will not let a proposer approve their own marker
(``cxdesk.store.caution_commands``), but the server never takes a desk's word:
an approval is accepted only after the marker's proposal in the feed, from an
active supervisor on the server's roster (the catalogue's roles already say
so; checked again here by the same rule the desk's projection uses,
``domain.cautions.approval_problem``), who is not the proposer, and only once.
Every later step must name the same person and address as the proposal, so it
travels to the same desks and cannot be used to reach another resident.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from cxdesk.domain.cautions import approval_problem
from cxdesk.events.envelope import Event
from cxdesk.sync.server_checks import server_check

_STEPS = ("CautionApproved", "CautionReviewed", "CautionDetailViewed")


def _proposal(history: list[Event]) -> Event | None:
    return next((e for e in history if e.kind == "CautionProposed"), None)


@server_check("CautionProposed")
def _one_proposal(conn: Connection, event: Event, history: list[Event]) -> str | None:
    if _proposal(history) is not None:
        return f"marker {event.payload['marker_id']} was proposed already"
    return None


def _same_subject(event: Event, proposal: Event) -> str | None:
    for name in ("customer_id", "address_key"):
        if event.payload.get(name) != proposal.payload.get(name):
            return f"{name.replace('_', ' ')} differs from the marker's proposal"
    return None


@server_check("CautionApproved")
def _second_supervisor(conn: Connection, event: Event, history: list[Event]) -> str | None:
    proposal = _proposal(history)
    if proposal is None:
        return "no proposal for this marker"
    if problem := _same_subject(event, proposal):
        return problem
    already = next((e.actor for e in history if e.kind == "CautionApproved"), None)
    row = conn.execute(
        text("SELECT role, active FROM roster WHERE staff_id = :s"), {"s": event.actor}
    ).first()
    role = row[0] if row is not None and row[1] else None
    return approval_problem(proposal.actor, event.actor, role, already)


def _later_step(conn: Connection, event: Event, history: list[Event]) -> str | None:
    proposal = _proposal(history)
    if proposal is None:
        return "no proposal for this marker"
    if problem := _same_subject(event, proposal):
        return problem
    if event.kind == "CautionReviewed":
        if not any(e.kind == "CautionApproved" for e in history):
            return "a marker is reviewed only once it is live (approved)"
        removed = any(
            e.kind == "CautionReviewed" and e.payload.get("outcome") == "remove" for e in history
        )
        if removed:
            return "this marker was removed already"
    return None


for _kind in _STEPS[1:]:
    server_check(_kind)(_later_step)
