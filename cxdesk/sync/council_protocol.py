"""Wire models of the council-wide supervisor reports (``/v1/supervisor/*``).

The questions carry exactly what the desk's own reports take (``IssueFilter``,
a page cursor, a day range, a location) and the answers carry the desk's own
row types (``IssueLogRow``, ``DayReconciliation``, ``WeekFigures``), so the
screens show a central answer with the code that shows their local one. Every
answer says the server's time it was read at (``as_of``).
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, model_validator

from cxdesk.domain.issue_log import IssueFilter, IssueLogRow
from cxdesk.errors import ValidationError
from cxdesk.store.supervisor_reports import DayReconciliation, WeekFigures

MAX_PAGE = 500
MAX_DAYS = 400
"""The longest day range a reconciliation or figures question may cover."""


class IssueLogAsk(BaseModel):
    """A page of the log: the filter (as ``IssueFilter``), and where the page starts."""

    date_from: date | None = None
    date_to: date | None = None
    location: str | None = Field(default=None, max_length=40)
    advisor: str | None = Field(default=None, max_length=40)
    kind: str | None = Field(default=None, max_length=20)
    customer: str | None = Field(default=None, max_length=60)
    overrides_only: bool = False
    repeats_only: bool = False
    voided: bool | None = None
    late_only: bool = False
    after_ms: int | None = None
    after_id: str | None = Field(default=None, max_length=40)
    limit: int = Field(default=50, ge=1, le=MAX_PAGE)
    with_totals: bool = True

    @model_validator(mode="after")
    def _valid_filter(self):
        self.issue_filter()  # the desk's own rules (dates in order, a known kind)
        if (self.after_ms is None) != (self.after_id is None):
            raise ValueError("after_ms and after_id come together")
        return self

    def issue_filter(self) -> IssueFilter:
        try:
            return IssueFilter(
                date_from=self.date_from,
                date_to=self.date_to,
                location=self.location,
                advisor=self.advisor,
                kind=self.kind,
                customer=self.customer,
                overrides_only=self.overrides_only,
                repeats_only=self.repeats_only,
                voided=self.voided,
                late_only=self.late_only,
            )
        except ValidationError as exc:
            raise ValueError(exc.message) from None

    @property
    def after(self) -> tuple[int, str] | None:
        return (
            None
            if self.after_ms is None or self.after_id is None
            else (self.after_ms, self.after_id)
        )

    @classmethod
    def of(
        cls, flt: IssueFilter, after: tuple[int, str] | None, limit: int, with_totals: bool
    ) -> IssueLogAsk:
        fields = {k: getattr(flt, k) for k in IssueFilter.__dataclass_fields__}
        start = {"after_ms": after[0], "after_id": after[1]} if after else {}
        return cls(**fields, **start, limit=limit, with_totals=with_totals)


class IssueLogAnswer(BaseModel):
    rows: list[IssueLogRow]
    total_count: int
    total_pence: int
    next_cursor: tuple[int, str] | None = None
    as_of: datetime


class RangeAsk(BaseModel):
    """A day range (London days, inclusive) and, for reconciliation, a location."""

    date_from: date
    date_to: date
    location: str | None = Field(default=None, max_length=40)

    @model_validator(mode="after")
    def _in_order(self):
        if self.date_from > self.date_to:
            raise ValueError("The 'from' date is after the 'to' date.")
        if (self.date_to - self.date_from).days >= MAX_DAYS:
            raise ValueError(f"Ask for at most {MAX_DAYS} days at once.")
        return self


class ReconciliationAnswer(BaseModel):
    rows: list[DayReconciliation]
    as_of: datetime


class FiguresAnswer(BaseModel):
    weeks: list[WeekFigures]
    as_of: datetime
