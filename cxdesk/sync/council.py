"""The desk's side of the council-wide supervisor reports: ask centrally, else say why not.

A desk holds only its location's share of the feed, so the supervisor's log,
reconciliation and figures ask the central API (``/v1/supervisor/*``) when the
desk is online, signing each request with the signed-in supervisor's staff key
(``cxdesk.domain.request_proof``; the key is in the session only while they
are signed in). When the desk is not enrolled, offline, or the request fails
in any way, the screens show the desk's own data and say why in one sentence
(``Source``). Screens call these from async workers; nothing here blocks.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from cxdesk.domain import deskclock
from cxdesk.domain.hours import LONDON
from cxdesk.domain.issue_log import IssueFilter, LogPage
from cxdesk.domain.request_proof import make_proof
from cxdesk.errors import CxDeskError
from cxdesk.store.supervisor_reports import DayReconciliation, WeekFigures

if TYPE_CHECKING:
    from cxdesk.desk_app import Desk

ANSWER_SECONDS = 15.0
"""How long a screen waits for the central API before showing the desk's own data."""
LOCAL_LABEL = "This location's data (offline)"


@dataclass(frozen=True)
class Source:
    """Where the rows on screen came from: the central API (at ``as_of``), or this desk."""

    central: bool
    as_of: datetime | None = None
    why: str = ""
    """Why the desk's own data is shown (one sentence); blank for a central answer."""

    @property
    def label(self) -> str:
        if self.central and self.as_of is not None:
            return f"Council-wide (central, as of {self.as_of.astimezone(LONDON):%H:%M})"
        return LOCAL_LABEL

    @property
    def line(self) -> str:
        """The label and, for local data, why: shown above the report's totals."""
        return self.label if self.central else f"{self.label}. {self.why}"


class CentralNotAsked(CxDeskError):
    """The desk did not ask the central API (or the answer failed); ``message`` says why."""


def why_not_central(desk: Desk) -> str | None:
    """A sentence saying why the central API cannot be asked now, or None if it can."""
    sync, session = desk.sync, desk.session
    if sync is None:
        return "This desk is not connected to a central API."
    if session is None or session.keys is None:
        return "Your signing key is not held, so the central API cannot be asked."
    if sync.status.online is False:
        return "The desk is offline, so the central API cannot be asked."
    return None


def failure_sentence(exc: BaseException) -> str:
    """One sentence for a failed central request (shown beside the local data)."""
    from cxdesk.sync.client import SyncRefused

    if isinstance(exc, SyncRefused):
        return f"The central API refused the request: {exc.reason} ({exc.status})."
    if isinstance(exc, TimeoutError):
        return f"The central API did not answer within {ANSWER_SECONDS:.0f} seconds."
    if isinstance(exc, CxDeskError):
        return exc.message
    return f"The central API could not be asked ({type(exc).__name__})."


async def _ask(desk: Desk, path: str, question, model):
    """POST ``question`` to ``path`` as the signed-in supervisor; ``CentralNotAsked`` if not."""
    why = why_not_central(desk)
    sync, session, store = desk.sync, desk.session, desk.store
    if why is not None or sync is None or session is None or session.keys is None:
        raise CentralNotAsked(why or "The central API cannot be asked now.")
    body = question.model_dump_json().encode()
    proof = make_proof(
        session.keys,
        staff_id=session.staff_id,
        device=store.device_id or "",
        method="POST",
        path=path,
        body=body,
        at_ms=deskclock.now_ms(),
    )
    try:
        return await asyncio.wait_for(
            sync.client.ask_as_staff(path, body, proof.header(), model), ANSWER_SECONDS
        )
    except (CxDeskError, TimeoutError) as exc:
        raise CentralNotAsked(failure_sentence(exc)) from exc


async def log_page(
    desk: Desk,
    flt: IssueFilter,
    after: tuple[int, str] | None,
    limit: int,
    *,
    with_totals: bool = True,
) -> tuple[LogPage, Source]:
    """A page of the council-wide issued-voucher log, with totals."""
    from cxdesk.sync.council_protocol import IssueLogAnswer, IssueLogAsk

    answer = await _ask(
        desk,
        "/v1/supervisor/issues",
        IssueLogAsk.of(flt, after, limit, with_totals),
        IssueLogAnswer,
    )
    page = LogPage(answer.rows, answer.total_count, answer.total_pence, answer.next_cursor)
    return page, Source(True, answer.as_of)


async def reconciliation(
    desk: Desk, start: date, end: date, location: str | None
) -> tuple[list[DayReconciliation], Source]:
    from cxdesk.sync.council_protocol import RangeAsk, ReconciliationAnswer

    question = RangeAsk(date_from=start, date_to=end, location=location)
    answer = await _ask(desk, "/v1/supervisor/reconciliation", question, ReconciliationAnswer)
    return answer.rows, Source(True, answer.as_of)


async def figures(desk: Desk, start: date, end: date) -> tuple[list[WeekFigures], Source]:
    from cxdesk.sync.council_protocol import FiguresAnswer, RangeAsk

    question = RangeAsk(date_from=start, date_to=end)
    answer = await _ask(desk, "/v1/supervisor/figures", question, FiguresAnswer)
    return answer.weeks, Source(True, answer.as_of)
