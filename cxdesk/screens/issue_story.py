"""One issue's full story: what was handed over, to whom, why, and everything around it.

Opened with Enter from the log. It reads top to bottom the way a supervisor
asks the questions: what and when; the customer (name, year of birth,
postcode district only); the repeat-claim check the advisor saw and the
override with who approved it; the crisis payment request and how long it
took; any void; the day's sign-off; then the customer's earlier issues at
every location. Escape goes back to the log where it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from cxdesk.domain.issue_log import KIND_LABELS, LONDON
from cxdesk.domain.money import format_pounds
from cxdesk.domain.safe_text import safe_text
from cxdesk.screens.supervisor_common import SupervisorScreen
from cxdesk.store.issue_log_queries import IssueStory, issue_story


def _ms_text(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(LONDON).strftime("%d/%m/%Y %H:%M")


def story_text(story: IssueStory) -> Text:
    """The story as lines of text (plain words; bold for headings, so it reads without colour).

    Every line holds data (names, reasons, notes), so each is made safe to show.
    """
    row = story.row
    out = Text()

    def head(title: str) -> None:
        out.append(f"\n{safe_text(title)}\n", style="bold")

    def line(text: str) -> None:
        out.append(f"  {safe_text(text)}\n")

    first = f"{KIND_LABELS.get(row.kind, row.kind)} {row.serial}, {row.amount}"
    out.append(f"{safe_text(first)}\n", "bold")
    line(
        f"{row.london_time} at {row.location} by {story.advisor_name or row.advisor} "
        f"({row.advisor}), desk {story.device}"
    )
    line(f"Customer: {row.customer_label}")
    line(f"Reason: {row.reason}")
    line(f"Status: {row.status}" + (" — ARRIVED AFTER SIGN-OFF" if row.after_signoff else ""))

    head("Repeat-claim check")
    check = story.repeat_check
    seen = len(check.get("matches", [])) + check.get("more_matches", 0)
    if not check.get("breached"):
        line(f"No policy window broken ({seen} earlier issue(s) seen).")
    else:
        line(f"Broken: {', '.join(check['breached'])}; policy asked: {check.get('action')}.")
    if check.get("knowledge_as_of"):
        line(f"The desk's knowledge of other locations was as of {check['knowledge_as_of']}.")
    if row.override_reason:
        line(f"Override: {row.override_reason}")
        if row.approved_by:
            line(f"Approved by: {story.approver_name} ({row.approved_by})")
        elif check.get("action") == "supervisor":
            line("Approved by: NOBODY, though the policy needs a supervisor")
        else:
            line("Approved by: not needed (the advisor's written reason was enough)")

    if story.request:
        req = story.request
        head("Crisis payment request")
        line(f"Requested {_ms_text(req.requested_at_ms)}, due {_ms_text(req.due_ms)}")
        if req.completed_at_ms is not None:
            line(
                f"{req.status.capitalize()} {_ms_text(req.completed_at_ms)} by "
                f"{req.completed_by}: took {story.request_minutes} minutes"
            )
        else:
            line(f"Still {req.status}.")
        if req.decline_reason:
            line(f"Declined because: {req.decline_reason}")

    for void in story.voids:
        head("Voided")
        item = "back to stock" if void.item == "back_to_stock" else "spoiled"
        line(f"{_ms_text(void.at_ms)} by {void.actor} ({item}): {void.reason}")

    head("Day's sign-off")
    if story.signoff:
        by, at_ms, note, _ = story.signoff
        line(f"Signed off by {by} at {_ms_text(at_ms)}: {note}")
    else:
        line("Not signed off yet.")

    head(f"Earlier issues to this customer, everywhere ({len(story.earlier)})")
    if not story.earlier:
        line("None.")
    for earlier in story.earlier:
        kind = KIND_LABELS.get(earlier.kind, earlier.kind).lower()
        amount = format_pounds(earlier.value_pence)
        line(
            f"{earlier.london_time} {earlier.location:<6} {kind:<13} {earlier.serial} "
            f"{amount:>6} {earlier.status}"
        )
    return out


class IssueStoryScreen(SupervisorScreen):
    """The story of one issue; Escape returns to the log."""

    PALETTE_CATEGORY = "log"
    DEFAULT_CSS = "#story { height: 1fr; padding: 0 1; } .refusal { padding: 1 2; }"
    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="story-back")]

    @dataclass
    class Loaded(Message):
        story: IssueStory | None

    def __init__(self, issue_id: str) -> None:
        super().__init__()
        self.issue_id = issue_id

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="story-scroll", classes="supervisor-only"):
            yield Static("Loading…", id="story")
        yield Static("", id="refusal", classes="refusal")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return True if action == "pop_screen" else super().check_action(action, parameters)

    def on_mount(self) -> None:
        self.query_one("#refusal").display = False
        if not self.refuse_if_needed():
            self.query_one("#story-scroll").focus()
            self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="issue-story")
    def _load(self) -> None:
        self.post_message(self.Loaded(issue_story(self.desk.store, self.issue_id)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        story = self.query_one("#story", Static)
        if message.story is None:
            # A council-wide log lists other locations' issues; their stories stay there.
            story.update(
                "That issue is not on this desk: it was made at another location, and its "
                "full story is held by that location's desks."
            )
        else:
            story.update(story_text(message.story))
