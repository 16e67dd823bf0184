"""One referral: the customer's story, consent, due time, every step; and its lifecycle keys.

Keys offer only the steps the state machine allows now (``check_action``
hides the rest): A accept, S start, C complete (asks the outcome), D decline
(asks the reason; it goes back to the sender), T transfer to another team, N add
a note, L show the customer's letter again. Each step is recorded by a thread
worker with the signed-in person as its author and the screen reloads.

``ConfirmationScreen`` shows the customer's letter; Ctrl+T saves it to print.
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

from cxdesk.domain.referrals import (
    STATUS_LABELS,
    due_text,
    is_overdue,
    referral_transition_allowed,
    whose_step,
)
from cxdesk.domain.safe_text import safe, safe_text
from cxdesk.domain.ukcontact import format_phone_national
from cxdesk.screens.base import DeskScreen
from cxdesk.screens.customer_dialogs import TeamPrompt, TextPrompt
from cxdesk.store import referral_commands, referral_queries
from cxdesk.widgets.history_table import HistoryTable

"""Fields shown with their line breaks; every other value is one line."""
_STEP_ACTIONS = {
    "accept": "accepted",
    "start": "in_progress",
    "complete": "completed",
    "decline": "declined",
    "reassign": "reassigned",
}


class ReferralViewScreen(DeskScreen):
    """A referral's details and steps."""

    PALETTE_CATEGORY = "referral"
    BINDINGS = [
        Binding("a", "accept", "Accept", id="referral-accept"),
        Binding("s", "start", "Start", id="referral-start"),
        Binding("c", "complete", "Complete", id="referral-complete"),
        Binding("d", "decline", "Decline", id="referral-decline"),
        Binding("t", "reassign", "Transfer", id="referral-reassign"),
        Binding("n", "note", "Note", id="referral-note"),
        Binding("l", "letter", "Letter", id="referral-letter"),
        Binding("escape", "back", "Back", id="referral-view-back"),
        Binding("k", "caution_detail", "Caution", show=False, id="referral-caution-detail"),
    ]
    DEFAULT_CSS = """
    ReferralViewScreen #referral-details { height: auto; max-height: 12; padding: 0 1; }
    ReferralViewScreen #referral-steps { height: 1fr; }
    """

    @dataclass
    class _Loaded(Message):
        referral: referral_queries.ReferralRecord | None
        steps: list
        working_team: str | None

    def __init__(self, referral_id: str) -> None:
        super().__init__()
        self.referral_id = referral_id
        self.referral: referral_queries.ReferralRecord | None = None
        self.working_team: str | None = None
        """The team this desk's queue works for: only that team takes its steps."""
        self._viewed = False  # the story's first showing is recorded (CustomerRecordViewed)

    def compose_body(self) -> ComposeResult:
        from cxdesk.screens.cautions import CautionBanner

        yield CautionBanner("K", id="caution-banner")
        with VerticalScroll(id="referral-details"):
            yield Static("Loading…", id="referral-text", markup=False)
        yield HistoryTable("Step", id="referral-steps")

    def on_mount(self) -> None:
        self.query_one("#referral-steps", HistoryTable).focus()

    def on_screen_resume(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="referral-view")
    def _load(self) -> None:
        store = self.desk.store
        referral = referral_queries.get_referral(store, self.referral_id)
        session = self.desk.session
        if referral and referral.customer_id and session is not None and not self._viewed:
            # Reading a referral's story is reading the customer's record: recorded alike.
            from cxdesk.store.customer_commands import record_view

            record_view(
                store,
                session,
                referral.customer_id,
                reason=f"referral {referral.reference}"[:120],
            )
            self._viewed = True
        steps = referral_queries.referral_steps(store, self.referral_id)
        team = referral_queries.queue_team(store)
        self.post_message(self._Loaded(referral, steps, team))

    @on(_Loaded)
    def _show_loaded(self, message: _Loaded) -> None:
        self.referral, self.working_team = message.referral, message.working_team
        text = self.query_one("#referral-text", Static)
        if message.referral is None:
            text.update("This referral is not on this desk.")
            return
        text.update(self.describe(message.referral))
        if message.referral.customer_id:
            from cxdesk.screens.cautions import CautionBanner

            banner = self.query_one("#caution-banner", CautionBanner)
            banner.load(message.referral.customer_id)
        table = self.query_one("#referral-steps", HistoryTable)
        table.clear()
        for step in message.steps:
            summary = _step_text(step)
            if not step.applied:
                summary = f"NOT APPLIED: {summary}"
            table.add_event(step.at_ms, summary, step.actor_name, step.location)
        self.refresh_bindings()

    @staticmethod
    def describe(referral: referral_queries.ReferralRecord) -> Text:
        """The referral in a few lines; every value made safe to show (stories keep their lines)."""
        r, s = referral, safe_text

        def story(text: str | None) -> str:
            return safe_text(text, multiline=True)

        status = STATUS_LABELS[r.status].upper()
        if is_overdue(r.status, r.due_at, datetime.now(UTC)):
            status += " · OVERDUE"
        due = f" · due {due_text(s(r.due_at))}" if r.due_at and not r.advice_only else ""
        lines = [
            f"{s(r.reference)}  {status}{due}",
            f"{s(r.given_name)} {s(r.family_name)} (born {r.birth_year}) → "
            f"{s(r.to_team_name)} · {s(r.urgency)} · {s(r.reason_category)}",
            f"From {s(r.from_location_name)} by {s(r.raised_by_name)} · consent "
            f"{s(r.consent)} ({s(r.consent_method)}, by {s(r.consent_obtained_by)})",
        ]
        # How the receiving team reaches them, as they asked to be contacted.
        phone = format_phone_national(s(r.customer_phone)) if r.customer_phone else "no phone"
        prefers = s(r.preferred_contact) or "phone"
        times = f", {s(r.contact_times)}" if r.contact_times else ""
        lines.append(f"Contact: {phone} · prefers {prefers}{times}")
        if r.vulnerability_flags:
            lines.append("Flags: " + ", ".join(s(f) for f in r.vulnerability_flags))
        lines.append(f"Story: {story(r.story)}")
        if r.already_told:
            lines.append(f"Already told: {story(r.already_told)}")
        if r.customer_actions:
            lines.append(f"Customer must: {story(r.customer_actions)}")
        if r.decline_reason:
            lines.append(f"Declined: {story(r.decline_reason)}")
        if r.outcome:
            lines.append(f"Outcome: {story(r.outcome)}")
        return Text("\n".join(lines))

    def action_caution_detail(self) -> None:
        from cxdesk.screens.cautions import CautionBanner, open_detail

        open_detail(self, self.query_one("#caution-banner", CautionBanner).lines)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _STEP_ACTIONS:
            r = self.referral
            if r is None or r.advice_only:
                return False
            step = _STEP_ACTIONS[action]
            if whose_step(step, r, self.working_team, self.desk.store.location):
                return False  # another team's step: not offered here
            return referral_transition_allowed(r.status, step)
        return True

    # -- steps ------------------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="referral-step")
    def _do(self, command, *args) -> None:
        command(self.desk.store, self.desk.session, self.referral_id, *args)
        self._load()

    def action_accept(self) -> None:
        if self.referral is not None:
            self._do(referral_commands.accept, self.referral.to_team)

    def action_start(self) -> None:
        self._do(referral_commands.start)

    def _ask(self, title: str, label: str, command) -> None:
        def answered(text: str | None) -> None:
            if text:
                self._do(command, text)

        self.app.push_screen(TextPrompt(title, label), answered)

    def action_complete(self) -> None:
        self._ask("Complete the referral", "Outcome:", referral_commands.complete)

    def action_decline(self) -> None:
        self._ask("Decline: it goes back to the sender", "Reason:", referral_commands.decline)

    def action_note(self) -> None:
        self._ask("Add a note to the referral", "Note:", referral_commands.add_note)

    def action_reassign(self) -> None:
        self._pick_team()

    @work(thread=True, exclusive=True, exit_on_error=False, group="referral-targets")
    def _pick_team(self) -> None:
        targets = referral_queries.referral_targets(self.desk.store)

        def answered(answer) -> None:
            if answer:
                self._do(referral_commands.reassign, *answer)

        current = self.referral.to_team if self.referral is not None else ""
        prompt = TeamPrompt("Transfer to another team", targets, exclude=current)
        self.app.call_from_thread(self.app.push_screen, prompt, answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="referral-letter")
    def action_letter(self) -> None:
        text, reference = referral_commands.confirmation_letter(self.desk.store, self.referral_id)
        self.app.call_from_thread(self.app.push_screen, ConfirmationScreen(text, reference))

    def action_back(self) -> None:
        self.app.pop_screen()


def _step_text(step: referral_queries.ReferralStep) -> str:
    p, kind = step.payload, step.kind
    if kind == "ReferralRaised":
        return (
            "Advice given (no consent)"
            if p.get("advice_only")
            else f"Raised to {p['to_team_name']}"
        )
    if kind == "ReferralNoteAdded":
        return f"Note: {p['note']}"
    if kind == "ReferralCompleted":
        return f"Completed: {p['outcome']}"
    if kind == "ReferralDeclined":
        return f"Declined: {p['reason']}"
    if kind == "ReferralReassigned":
        return f"Transferred to {p['to_team_name']}: {p['reason']}"
    return {"ReferralAccepted": "Accepted", "ReferralStarted": "Started"}.get(kind, kind)


class ConfirmationScreen(DeskScreen):
    """The customer's confirmation letter; Ctrl+T saves it to a file for printing."""

    PALETTE_CATEGORY = "referral"
    BINDINGS = [
        Binding("p", "print", "Print", id="confirmation-print"),
        Binding("ctrl+t", "save", "Save to print", id="confirmation-save"),
        Binding("escape", "back", "Done", id="confirmation-done"),
    ]

    def __init__(self, text: str, reference: str) -> None:
        super().__init__()
        self.text, self.reference = text, reference
        self.path: str | None = None
        """The file it was saved to, once someone asked (a letter is a file only on request)."""

    def compose_body(self) -> ComposeResult:
        yield Static(
            "The customer's letter. P prints it; Ctrl+T saves it to print later.",
            classes="title",
            id="letter-path",
        )
        with VerticalScroll():
            yield Static(safe(self.text, multiline=True), id="letter-text")

    @work(thread=True, exclusive=True, exit_on_error=False, group="letter-save")
    def action_save(self) -> None:
        try:
            path = referral_commands.save_confirmation(self.desk.store, self.reference, self.text)
        except OSError:
            self.app.call_from_thread(
                self.notify,
                "The letter could not be saved (the disk may be full). The referral is "
                "recorded: read the letter to the customer and tell a supervisor.",
                severity="error",
                timeout=12,
            )
            return
        self.app.call_from_thread(self._saved, str(path))

    @work(thread=True, exclusive=True, exit_on_error=False, group="letter-save")
    def action_print(self) -> None:
        """Print the letter through the desk's print command (saved as a file if that fails)."""
        from cxdesk.printing import print_or_save

        outcome = print_or_save(
            self.text,
            self.desk.settings.print_command,
            lambda: referral_commands.save_confirmation(self.desk.store, self.reference, self.text),
            "the letter",
        )
        if outcome.path is not None:
            self.app.call_from_thread(self._saved, str(outcome.path))
        severity = "information" if outcome.printed or outcome.path else "error"
        self.app.call_from_thread(self.notify, outcome.message, severity=severity, timeout=10)

    def _saved(self, path: str) -> None:
        self.path = path
        self.query_one("#letter-path", Static).update(safe(f"Saved for printing: {path}"))

    def action_back(self) -> None:
        self.app.pop_screen()
