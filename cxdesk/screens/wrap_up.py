"""Wrap up a contact in two or three keys: reason, channel, outcome.

A modal over whatever the advisor was doing. Focus starts in the reason search
(the directory's typo-tolerant matching, ``ReasonIndex``): with nothing typed
the list shows the reasons most used at this location lately, so Enter alone
picks the commonest. Enter adds the highlighted reason and moves to the keys:
P/F/W/E pick the channel (preset: face to face for an anonymous hub visit,
else the channel last used at this desk), and 1-6 pick the outcome and save
at once. So an anonymous hub visit is F12, Enter, 6; a resident's call is
a few letters, Enter, 1. ``+`` adds another reason, Backspace drops the last.

Escape: when the wrap-up was offered (leaving a record, after an issue or a
referral) the contact may be left unwrapped only with a reason, asked for
here and recorded (``ContactLeftUnwrapped``); when the advisor opened it
themselves (F12), Escape just closes it. Every reason label is stored text
and shows as safe ``Text``.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from cxdesk.desk_app import OnDesk
from cxdesk.domain.contact_reasons import ContactReason, ReasonIndex
from cxdesk.domain.contacts import (
    CHANNEL_KEYS,
    CHANNELS,
    MAX_REASONS,
    OUTCOME_KEYS,
    OUTCOMES,
)
from cxdesk.domain.safe_text import safe
from cxdesk.errors import CxDeskError


@dataclass(frozen=True)
class Wrapped:
    """What the screen returns: the recorded wrap-up's contact id, or None if left unwrapped."""

    contact_id: str | None


class _Keys(Static, can_focus=True):
    """Holds focus while the channel and outcome keys are live (the search box has let go)."""


class WrapUpScreen(OnDesk, ModalScreen[Wrapped | None]):
    """Returns ``Wrapped`` once something was recorded, or None if closed (F12 only)."""

    PALETTE_CATEGORY = "wrap-up"
    DEFAULT_CSS = """
    WrapUpScreen { align: center middle; }
    WrapUpScreen > Vertical { width: 76; max-width: 100%; height: auto; max-height: 22;
        border: round $accent; padding: 0 1; background: $surface; }
    WrapUpScreen Input { height: 3; }
    WrapUpScreen OptionList { height: 7; }
    WrapUpScreen #wrap-chosen, WrapUpScreen #wrap-keys { height: auto; }
    WrapUpScreen #wrap-keys:focus { text-style: bold; }
    WrapUpScreen #wrap-error { color: $error; text-style: bold; height: auto; }
    """
    BINDINGS = [
        Binding("escape", "leave", "Leave", id="wrap-leave"),
        Binding("down", "move(1)", "Next reason", show=False, id="wrap-down"),
        Binding("up", "move(-1)", "Previous reason", show=False, id="wrap-up"),
        *[
            Binding(key, f"channel('{code}')", CHANNELS[code], show=False, id=f"wrap-{code}")
            for key, code in CHANNEL_KEYS.items()
        ],
        *[
            Binding(key, f"outcome('{code}')", OUTCOMES[code], show=False, id=f"wrap-{code}")
            for key, code in OUTCOME_KEYS.items()
        ],
        Binding("plus,r", "another", "Another reason", id="wrap-another"),
        Binding("backspace", "drop_reason", "Drop reason", show=False, id="wrap-drop"),
    ]

    @dataclass
    class _Loaded(Message):
        index: ReasonIndex

    @dataclass
    class _Done(Message):
        contact_id: str | None

    @dataclass
    class _Failed(Message):
        error: CxDeskError

    def __init__(
        self,
        customer_id: str | None,
        customer_name: str = "",
        *,
        offered: bool = False,
        referral_id: str | None = None,
    ) -> None:
        super().__init__()
        self.customer_id, self.customer_name = customer_id, customer_name
        self.offered, self.referral_id = offered, referral_id
        self.index = ReasonIndex([])
        self.matches: list[ContactReason] = []
        self.chosen: list[ContactReason] = []
        self.channel = "face" if customer_id is None else None
        self._saving = False

    def compose(self) -> ComposeResult:
        who = (
            f"Wrap up the contact with {self.customer_name}"
            if self.customer_id
            else "Wrap up an anonymous contact (no name given)"
        )
        with Vertical() as box:
            box.border_title = "Wrap-up"
            box.border_subtitle = "Enter adds · Esc " + (
                "leaves unwrapped (say why)" if self.offered else "closes"
            )
            yield Static(safe(who), id="wrap-who")  # wraps a long name (a Label is cut)
            yield Input(placeholder="Reason: type a few letters", id="wrap-search")
            yield OptionList(id="wrap-matches")
            yield Static("Reasons: none yet", id="wrap-chosen")
            yield _Keys("", id="wrap-keys")
            yield Static("", id="wrap-error")

    def on_mount(self) -> None:
        self.channel = self.channel or self.desk.last_contact_channel or "phone"
        self._show()
        self.query_one("#wrap-search", Input).focus()
        self._load()

    # -- loading and searching ------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="wrap-load")
    def _load(self) -> None:
        from cxdesk.store import contact_queries

        store = self.desk.store
        self.post_message(self._Loaded(contact_queries.reason_index(store, favour=store.location)))

    @on(_Loaded)
    def _loaded(self, message: _Loaded) -> None:
        self.index = message.index
        if not len(self.index):
            self._error("This desk has no list of contact reasons yet: sync, then try again.")
        self._search(self.query_one("#wrap-search", Input).value)

    @on(Input.Changed, "#wrap-search")
    def _typed(self, event: Input.Changed) -> None:
        self._search(event.value)

    def _search(self, query: str) -> None:
        taken = {r.code for r in self.chosen}
        self.matches = [r for r in self.index.search(query, limit=12) if r.code not in taken]
        options = self.query_one("#wrap-matches", OptionList)
        options.clear_options()
        options.add_options([Option(safe(r.label), id=r.code) for r in self.matches])
        if self.matches:
            options.highlighted = 0

    @on(Input.Submitted, "#wrap-search")
    def _pick(self) -> None:
        options = self.query_one("#wrap-matches", OptionList)
        if options.highlighted is None or not self.matches:
            self._error("No reason matches: try other words.")
            return
        self._add(self.matches[options.highlighted])

    @on(OptionList.OptionSelected, "#wrap-matches")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        self._add(self.matches[event.option_index])

    def _add(self, reason: ContactReason) -> None:
        if len(self.chosen) >= MAX_REASONS:
            self._error(f"At most {MAX_REASONS} reasons.")
            return
        self.chosen.append(reason)
        search = self.query_one("#wrap-search", Input)
        search.value = ""
        self._error("")
        self._show()
        self.query_one("#wrap-keys", _Keys).focus()

    # -- keys ---------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        searching = isinstance(self.focused, Input)
        if action in ("channel", "outcome", "another", "drop_reason"):
            return not searching and not self._saving
        if action == "move":
            return searching
        return True

    def action_move(self, step: int) -> None:
        options = self.query_one("#wrap-matches", OptionList)
        if self.matches:
            current = options.highlighted or 0
            options.highlighted = max(0, min(len(self.matches) - 1, current + step))

    def action_channel(self, code: str) -> None:
        self.channel = code
        self._show()

    def action_another(self) -> None:
        self.query_one("#wrap-search", Input).focus()

    def action_drop_reason(self) -> None:
        if self.chosen:
            self.chosen.pop()
        self._show()
        if not self.chosen:
            self.query_one("#wrap-search", Input).focus()

    def action_outcome(self, code: str) -> None:
        if not self.chosen:
            self._error("Pick a reason first.")
            self.query_one("#wrap-search", Input).focus()
            return
        self._saving = True
        self._save([r.code for r in self.chosen], self.channel or "phone", code)

    def _show(self) -> None:
        labels = ", ".join(r.label for r in self.chosen) or "none yet"
        self.query_one("#wrap-chosen", Static).update(safe(f"Reasons: {labels}"))
        keys = Text("Channel: ")
        for key, code in CHANNEL_KEYS.items():
            mark = ">" if code == self.channel else " "  # in words as well as style (NO_COLOR)
            keys.append(
                f"{mark}{key.upper()} {CHANNELS[code]}  ",
                style="reverse" if code == self.channel else "",
            )
        keys.append("\nOutcome (saves): ")
        for key, code in OUTCOME_KEYS.items():
            if code == "referred" and self.customer_id is None:
                continue
            keys.append(f"{key} {OUTCOMES[code]}  ")
        keys.append("\n+ another reason · Backspace drops the last")
        self.query_one("#wrap-keys", _Keys).update(keys)

    def _error(self, text: str) -> None:
        self.query_one("#wrap-error", Static).update(safe(text))

    # -- saving ---------------------------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="wrap-save")
    def _save(self, reasons: list[str], channel: str, outcome: str) -> None:
        from cxdesk.store import contact_commands

        s = self.signed_in
        try:
            event = contact_commands.wrap_contact(
                self.desk.store,
                actor=s.staff_id,
                role=s.role,
                customer_id=self.customer_id,
                reasons=reasons,
                channel=channel,
                outcome=outcome,
                referral_id=self.referral_id if outcome == "referred" else None,
            )
        except CxDeskError as exc:
            self.post_message(self._Failed(exc))
        else:
            self.post_message(self._Done(event.payload["contact_id"]))

    @on(_Done)
    def _done(self, message: _Done) -> None:
        if message.contact_id is not None:
            self.desk.last_contact_channel = self.channel  # the next wrap-up starts with it
        said = "Contact wrapped up." if message.contact_id else "Left unwrapped, with the reason."
        self.app.notify(said, timeout=2)
        self.dismiss(Wrapped(message.contact_id))

    @on(_Failed)
    def _failed(self, message: _Failed) -> None:
        self._saving = False
        self._error(message.error.message)

    def action_leave(self) -> None:
        if not self.offered:
            self.dismiss(None)
            return
        from cxdesk.screens.customer_dialogs import TextPrompt

        def leave(reason: str | None) -> None:
            if reason:
                self._leave_unwrapped(reason)

        prompt = TextPrompt("Leave this contact without a wrap-up", "Why?", max_length=300)
        self.app.push_screen(prompt, leave)

    @work(thread=True, exclusive=True, exit_on_error=False, group="wrap-save")
    def _leave_unwrapped(self, reason: str) -> None:
        from cxdesk.store import contact_commands

        s = self.signed_in
        try:
            contact_commands.leave_unwrapped(
                self.desk.store,
                actor=s.staff_id,
                role=s.role,
                customer_id=self.customer_id,
                reason=reason,
            )
        except CxDeskError as exc:
            self.post_message(self._Failed(exc))
        else:
            self.post_message(self._Done(None))


def open_wrap_up(app) -> None:
    """F12: wrap up for the resident whose record is open, else an anonymous contact."""
    from cxdesk.screens.customer_view import CustomerViewScreen

    screen = app.screen
    if isinstance(screen, WrapUpScreen):
        return
    if isinstance(screen, CustomerViewScreen) and screen.customer is not None:
        screen.offer_wrap_up()
        return
    app.push_screen(WrapUpScreen(None))
