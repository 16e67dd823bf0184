"""A small modal form: a few text fields, one submit function run in a worker.

Stock records, declining a payment, closing a flag, voiding an issue and a
supervisor's approval are all "type two or three things, check them, record
one event". ``FormModal`` does that once: the submit function runs in a
thread worker (it may touch SQLite), a ``ValidationError`` or ``AuthError``
is shown beside its field (or under the form) and everything typed stays;
success dismisses the modal with whatever the function returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from cxdesk.domain.safe_text import safe
from cxdesk.errors import CxDeskError


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    placeholder: str = ""
    password: bool = False
    value: str = ""


class FormModal(ModalScreen[Any]):
    """Fields, Enter to move on (and to submit from the last), Ctrl+S to submit, Esc to cancel."""

    DEFAULT_CSS = """
    FormModal { align: center middle; }
    FormModal > VerticalScroll { width: 70; max-width: 100%; height: auto; max-height: 22;
        border: round $accent; padding: 0 1; background: $surface; }
    FormModal .form-title { text-style: bold; }
    FormModal .form-error { color: $error; text-style: bold; height: auto; }
    FormModal Input { height: 3; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="form-cancel"),
        Binding("ctrl+s", "submit", "Save", id="form-submit"),
    ]

    class Done(Message):
        def __init__(self, result: Any) -> None:
            super().__init__()
            self.result = result

    class Failed(Message):
        def __init__(self, error: CxDeskError) -> None:
            super().__init__()
            self.error = error

    def __init__(
        self,
        title: str,
        fields: list[FormField],
        submit: Callable[[dict[str, str]], Any],
        *,
        intro: str = "",
    ) -> None:
        super().__init__()
        self.form_title, self.fields, self.submit_fn, self.intro = title, fields, submit, intro

    def compose(self) -> ComposeResult:
        with VerticalScroll(can_focus=False):
            # Titles name customers and items: shown as safe Text, never markup.
            yield Label(safe(self.form_title), classes="form-title")
            if self.intro:
                yield Static(safe(self.intro, multiline=True))
            for f in self.fields:
                yield Label(safe(f.label))
                yield Input(
                    f.value, placeholder=f.placeholder, password=f.password, id=f"f-{f.name}"
                )
                yield Static("", id=f"err-{f.name}", classes="form-error")
            yield Static("", id="err-form", classes="form-error")
            yield Static("Enter: next / submit   Ctrl+S: submit   Esc: cancel")

    def values(self) -> dict[str, str]:
        return {f.name: self.query_one(f"#f-{f.name}", Input).value for f in self.fields}

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        if event.input.id == f"f-{self.fields[-1].name}":
            self.action_submit()
        else:
            self.focus_next()

    def action_submit(self) -> None:
        for static in self.query(".form-error").results(Static):
            static.update("")
        self._run(self.values())

    def action_cancel(self) -> None:
        """Escape: straight back if nothing was typed, else "Discard what you typed?"."""
        from cxdesk.screens.discard import ask_before_leaving

        typed = any(self.values()[f.name] != f.value for f in self.fields)
        ask_before_leaving(self, typed, lambda: self.dismiss(None))

    @work(thread=True, exclusive=True, exit_on_error=False, group="form")
    def _run(self, values: dict[str, str]) -> None:
        try:
            result = self.submit_fn(values)
        except CxDeskError as exc:
            self.post_message(self.Failed(exc))
        else:
            self.post_message(self.Done(result))

    @on(Done)
    def _done(self, message: Done) -> None:
        self.dismiss(message.result)

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        field = getattr(message.error, "field", None)
        names = {f.name for f in self.fields}
        target = f"#err-{field}" if field in names else "#err-form"
        self.query_one(target, Static).update(safe(message.error.message))
        if field in names:
            self.query_one(f"#f-{field}", Input).focus()
