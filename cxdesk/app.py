"""The desk app: areas as modes, function keys, the signed-in session and the idle lock.

Nothing else lives here: screens do the work, the store and domain modules
hold the rules. ``make_app(settings)`` opens the store and builds the app; the
CLI and the tests both use it (tests may also hand ``CxDeskApp`` a store and a
fake clock directly).

Areas are Textual modes, each with its own screen stack, switched by function
keys (F2 lookup, F3 customers, ...). A feature adds its area with one line in
``MODES`` and one in ``BINDINGS``. Until someone signs in, and while the desk
is locked, every area key is refused (``check_action``), so the only way past
the sign-in and lock screens is a passcode.

The lock is a screen pushed on top of the current area, so the same person
signing in again pops it and finds everything as they left it; a different
person gets fresh areas (every mode's stack is dropped and rebuilt lazily).
"""

from __future__ import annotations

import asyncio
import importlib
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, on
from textual.app import App
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from cxdesk.config import Settings
from cxdesk.desk_app import Desk
from cxdesk.domain.safe_text import safe_text
from cxdesk.errors import CxDeskError
from cxdesk.palette import DeskCommands
from cxdesk.screens.area import AREA_SCREENS, Area
from cxdesk.screens.signin import SignInScreen
from cxdesk.session import DeskSession
from cxdesk.typeahead import TypeAhead
from cxdesk.widgets.signin_form import SignInForm
from cxdesk.widgets.stylesheet import DeskStylesheet

if TYPE_CHECKING:
    from cxdesk.store.store import Store
    from cxdesk.sync.status import SyncStatus
    from cxdesk.sync.worker import SyncWorker

SIGNIN_MODE = "signin"
ENROL_MODE = "enrol"  # added only when a revoked desk has wiped itself
HOME_MODE = Area.LOOKUP
SYNC_START_DELAY = 1.0
"""Seconds after the first frame before an enrolled desk's sync worker starts."""
# Actions allowed with nobody signed in, or while locked (they show no personal data).
# Moving focus is among them: the sign-in and lock forms need Tab and Shift+Tab.
OPEN_ACTIONS = frozenset({"help", "sign_out", "command_palette", "focus_next", "focus_previous"})


class CxDeskApp(App[None]):
    """The desk app. ``store`` is an open desk store; ``sync`` the sync worker, if any.

    Screens see it through ``self.desk`` (``cxdesk.desk_app.Desk``), which holds
    what they may use.
    """

    TITLE = "cxdesk"
    CSS_PATH = "cxdesk.tcss"
    PALETTE_CATEGORY = "desk"
    COMMANDS = App.COMMANDS | {DeskCommands}
    DEFAULT_MODE = SIGNIN_MODE
    # Each area's screen (and the store queries behind it) is imported when first opened.
    MODES = {SIGNIN_MODE: SignInScreen, **AREA_SCREENS}
    BINDINGS = [
        Binding("f1", "help", "Help", id="help"),
        # Lock second: the footer is cut at 80 columns and this key must always show.
        Binding("f9", "lock", "Lock", id="lock"),
        # Area keys name an ``Area`` in Textual's action string (keymaps use the ids).
        Binding("f2", "switch_mode('lookup')", "Lookup", id="area-lookup"),
        Binding("f3", "switch_mode('customers')", "Customers", id="area-customers"),
        Binding("f4", "switch_mode('queues')", "Queues", id="area-queues"),
        Binding("f5", "switch_mode('crisis')", "Crisis", id="area-crisis"),
        Binding("f6", "switch_mode('stock')", "Stock", id="area-stock"),
        Binding("f7", "switch_mode('log')", "Log", id="area-log"),
        Binding("f8", "switch_mode('sync')", "Sync", id="area-sync"),
        Binding("ctrl+s", "sync_now", "Sync now", id="sync-now", show=False),
        Binding("f10", "sign_out", "Sign out", id="sign-out", show=False),
        Binding("ctrl+l", "lift_lockout", "Lift a lock-out", id="lift-lockout", show=False),
        Binding("f12", "wrap_up", "Wrap up", id="wrap-up", show=False),
    ]

    session: reactive[DeskSession | None] = reactive(None, init=False)
    locked: reactive[bool] = reactive(False, init=False)
    sync_text: reactive[str] = reactive("", init=False)
    """Set by the sync worker; every header's SyncIndicator shows it."""
    sync_alert: reactive[bool] = reactive(False, init=False)

    def __init__(
        self,
        settings: Settings,
        store: Store,
        sync: SyncWorker | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        # Textual's stylesheet, but each piece of CSS parsed once per theme (stylesheet.py),
        # with the variables Textual has just worked out for it.
        self.stylesheet = DeskStylesheet(variables=self.theme_variables)
        self.settings = settings
        self.store = store
        # Everything a person records here is signed with their session's keys.
        store.require_signatures = True
        self.sync = sync
        self._clock = clock
        self._last_input = clock()
        self.sync_status: SyncStatus | None = None
        """The sync worker's latest ``SyncStatus`` (None until it reports)."""
        self.desk = Desk(self)
        """What screens may use of the app (``self.desk`` on a screen)."""
        self.typeahead = TypeAhead(self, super().on_event)
        """Keys typed ahead of a focus or screen change go where focus lands (typeahead.py)."""
        self._mode_bases: dict[str, str | Callable[[], Screen]] = dict(self.MODES)
        """Each area's base screen, so that ``_drop_stacks`` can rebuild it."""
        self._warmed = False
        """Whether the first key has started importing what signing in needs."""

    # -- start and idle lock -------------------------------------------------
    @property
    def idle_seconds(self) -> float:
        return self.settings.idle_lock_minutes * 60

    def on_mount(self) -> None:
        # Without colour the highlighted row and the focused field must still stand out:
        # cxdesk.tcss draws them in reverse video under this class.
        self.set_class(self.no_color, "-no-color")
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        check_every = min(5.0, max(0.25, self.idle_seconds / 4))
        self.set_interval(check_every, self.check_idle, name="idle-lock")
        # Only if this desk is enrolled with a central API, and a moment after the first
        # frame: the sync worker brings the HTTP client, pydantic and every projection's
        # rules (the sign-in needs none of them), imported in a thread that would otherwise
        # compete with the sign-in screen's own drawing and loading for the one interpreter.
        given = self.sync
        self.call_after_refresh(
            self.set_timer, SYNC_START_DELAY, lambda: self._start_sync(given), name="sync-start"
        )

    def _start_sync(self, given: SyncWorker | None) -> None:
        """Start the sync worker if this desk has one, its modules imported in a thread."""
        from cxdesk.sync.desk import sync_configured

        if given is None and not sync_configured(self.settings, self.store):
            return
        self.run_worker(self._start_sync_after_import(given), name="sync-start", group="sync")

    async def _start_sync_after_import(self, given: SyncWorker | None) -> None:
        # The HTTP client, the protocol's pydantic models, the event catalogue and every
        # projection's rules: a few hundred milliseconds the sign-in screen keeps answering.
        await asyncio.to_thread(_import_for_sync)
        if self.sync is not given:  # replaced meanwhile (a revoked desk enrolled afresh)
            return
        from cxdesk.sync.app_bridge import start_sync

        start_sync(self)

    async def on_sync_state_changed(self, message) -> None:
        """The sync worker's news: the header text, and whether to shout (crisis unsent).

        A sync may bring a roster change: a person removed or given a new
        passcode loses their open session (back to sign-in, with a message).
        """
        self.sync_status = message.status
        self.sync_text = message.status.header_text()
        self.sync_alert = message.status.crisis_alert()
        session = self.session
        if session is None:
            return
        from cxdesk.store import signin_commands

        problem = await asyncio.to_thread(signin_commands.session_problem, self.store, session)
        if problem and self.session is session:
            await self._record_sign_out(session, "roster changed")
            await self.end_session()
            self.notify(problem, title="Signed out", severity="warning", timeout=15)

    async def on_scope_changed(self, message) -> None:
        """A sync dropped residents (they moved away) or moved this desk: say so in a line.

        A desk moved to another location ends the open session: the person signed in
        for the old location, and the screens they hold show its records.
        """
        for line in message.news:
            self.notify(safe_text(line), title="Records changed", timeout=20)
        session = self.session
        if message.moved_to and session is not None and session.location != message.moved_to:
            await self._record_sign_out(session, "desk moved")
            await self.end_session()
            self.notify(
                safe_text(f"This desk is now at {message.moved_to}. Please sign in again."),
                title="Signed out",
                severity="warning",
                timeout=20,
            )

    def action_sync_now(self) -> None:
        self.sync_now()

    def sync_now(self) -> None:
        """Ask the sync worker for a round now (a notice if this desk has none)."""
        if self.sync is None:
            self.notify("This desk is not connected to a central API.", timeout=4)
            return
        self.sync.sync_now()
        self.notify("Syncing now.", timeout=2)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown | events.Paste):
            self._last_input = self._clock()
            if not self._warmed:
                # Someone is signing in: what the passcode check and the first event need
                # is imported while they type, not after they press Enter.
                self._warmed = True
                self.run_worker(_import_for_sign_in, name="sign-in-imports", thread=True)
        if isinstance(event, events.Paste) and not event.is_forwarded:
            # A paste is data from outside (a web page, an email): an Input shows it raw.
            event = events.Paste(safe_text(event.text, multiline=True))
        if isinstance(event, events.Key | events.Paste) and not event.is_forwarded:
            await self.typeahead.feed(event)
            return
        await super().on_event(event)

    def check_idle(self) -> None:
        """Lock the desk if nobody has pressed a key for ``idle_lock_minutes``."""
        if self.session is None or self.locked:
            return
        if self._clock() - self._last_input >= self.idle_seconds:
            minutes = self.settings.idle_lock_minutes
            self.lock(f"Locked after {minutes:g} minute{'s' if minutes != 1 else ''} idle")

    def lock(self, reason: str = "Locked") -> None:
        """Cover the screen until the same person signs in again or someone signs out."""
        if self.session is None or self.locked:
            return
        self.locked = True
        # Nothing can be signed in their name while the screen is locked.
        self.store.forget_keys(self.session.staff_id)
        # Notifications can name a resident; none may show over the lock.
        self.clear_notifications()
        from cxdesk.screens.lock import LockScreen

        self.push_screen(LockScreen(self.session, reason))

    # -- bindings ------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in OPEN_ACTIONS:
            return action != "sign_out" or self.session is not None
        if action == "quit":
            # Closing the app needs the session: nobody may close a locked colleague's work,
            # and at a bare sign-in screen it would hand a shared terminal its shell.
            return self.session is not None and not self.locked
        if self.session is None or self.locked:
            return False
        if action == "switch_mode" and parameters and parameters[0] == Area.LOG:
            # The issued-voucher log is a supervisor's: not offered (nor in help) to others.
            return self.session.role in ("supervisor", "admin")
        if action == "switch_mode" and parameters and parameters[0] == self.current_mode:
            return None  # shown dimmed: you are already there
        if action == "lift_lockout":
            return self.session.role in ("supervisor", "admin")
        if action == "wrap_up":
            return self.session.role in ("advisor", "hub", "supervisor")
        return True

    def get_key_display(self, binding: Binding) -> str:
        """Function keys as printed on the keyboard ("F9", not "f9")."""
        display = super().get_key_display(binding)
        return display.upper() if re.fullmatch(r"f\d{1,2}", display) else display

    def action_wrap_up(self) -> None:
        """F12 from any screen: wrap up a contact (the open record's resident, else anonymous)."""
        from cxdesk.screens.wrap_up import open_wrap_up

        open_wrap_up(self)

    def action_help(self) -> None:
        from cxdesk.screens.help import HelpScreen, key_rows, screen_help

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(key_rows(self.screen), screen_help(self.screen)))

    def action_lock(self) -> None:
        self.lock("Locked with F9")

    def action_lift_lockout(self) -> None:
        """A supervisor lets a locked-out colleague sign in again."""
        from cxdesk.screens.form_modal import FormField, FormModal
        from cxdesk.store import signin_commands

        session = self.session
        if session is None:  # the binding only works past sign-in
            return

        def lift(values: dict[str, str]) -> str:
            return signin_commands.lift_lockout(self.store, session, values["staff_id"])

        def done(message: str | None) -> None:
            if message:
                self.notify(message, timeout=4)

        form = FormModal(
            "Lift a lock-out",
            [FormField("staff_id", "Staff ID of the person locked out", "e.g. A1001")],
            lift,
            intro="Only when you have checked it is really them at the desk.",
        )
        self.push_screen(form, done)

    async def action_sign_out(self) -> None:
        if self.session is None:
            return
        await self._record_sign_out(self.session, "signed out")
        await self.end_session()
        self.notify("Signed out.", timeout=3)

    # -- sessions -------------------------------------------------------------
    @on(SignInForm.SignedIn)
    async def _signed_in(self, message: SignInForm.SignedIn) -> None:
        try:
            await self.start_session(message.session)
        finally:
            # Keys typed after the passcode's Enter go to the screen the person lands on.
            self.typeahead.release(SignInForm.HOLD)

    async def start_session(self, new: DeskSession) -> None:
        """Open ``new`` (its passcode checked): the same person back lifts the lock, anyone
        else starts afresh in the home area. Tests sign in through it too."""
        from cxdesk.screens.lock import LockScreen

        previous = self.session
        if previous is not None and self.locked and previous.staff_id == new.staff_id:
            # The same person back: lift the lock, everything as they left it.
            self.store.use_keys(new.staff_id, new.keys)
            # The same person (equal sessions): swap in the fresh keys without a refresh.
            self.set_reactive(CxDeskApp.session, new)
            self.locked = False
            if isinstance(self.screen, LockScreen):
                await self.pop_screen()
            self._last_input = self._clock()
            return
        if previous is not None:
            await self._record_sign_out(previous, "another person signed in")
            await self.end_session()
        self.session = new
        self.store.use_keys(new.staff_id, new.keys)
        self._last_input = self._clock()
        await self.switch_mode(HOME_MODE)

    async def end_session(self) -> None:
        """Back to the sign-in screen with every area's screens dropped (and the keys)."""
        if self.session is not None:
            self.store.forget_keys(self.session.staff_id)
        self.session = None
        self.locked = False
        self.desk.pending_record_task = None
        await self.switch_mode(SIGNIN_MODE)
        await self._drop_stacks(keep=SIGNIN_MODE)

    def add_mode(self, mode: str, base_screen: str | Callable[[], Screen]) -> None:
        """Add an area, remembering its base screen (Textual keeps it privately)."""
        super().add_mode(mode, base_screen)
        self._mode_bases[mode] = base_screen

    def remove_mode(self, mode: str) -> AwaitComplete:
        """Remove an area and its screens."""
        self._mode_bases.pop(mode, None)
        return super().remove_mode(mode)

    async def _drop_stacks(self, keep: str) -> None:
        """Drop every mode's screens but ``keep``'s; each is rebuilt when next shown.

        Removing a mode and adding it back is Textual's public way to discard its
        screens (a mode never shown has none, and removing it costs nothing).
        """
        for mode, base in list(self._mode_bases.items()):
            if mode != keep:
                await self.remove_mode(mode)
                self.add_mode(mode, base)

    # -- a revoked desk ---------------------------------------------------------
    async def on_desk_was_revoked(self, message) -> None:
        """The central API says this desk was revoked: wipe it, then offer to enrol again."""
        from cxdesk.screens.enrol import EnrolScreen
        from cxdesk.sync.desk import server_url
        from cxdesk.sync.revoked import wipe_desk

        url = server_url(self.settings, self.store) or ""
        self.sync, self.session, self.locked, self.sync_text = None, None, False, ""
        self.clear_notifications()  # they can name residents
        settings = self.settings
        report = await asyncio.to_thread(
            wipe_desk, self.store, settings.data_dir, settings.token_path
        )
        self.add_mode(ENROL_MODE, lambda: EnrolScreen(report.sentence(), url))
        await self.switch_mode(ENROL_MODE)
        await self._drop_stacks(keep=ENROL_MODE)

    async def on_enrol_screen_enrolled(self, message) -> None:
        """Enrolled afresh: use the new store and return to the sign-in screen."""
        from cxdesk.sync.app_bridge import start_sync

        self.store = message.store
        start_sync(self)
        await self.switch_mode(SIGNIN_MODE)
        await self.remove_mode(ENROL_MODE)
        self.notify(
            f"This desk is now {message.device} at {message.location}. "
            "Staff can sign in once the first sync has brought the roster.",
            timeout=8,
        )

    async def _record_sign_out(self, session: DeskSession, reason: str) -> None:
        """Record the sign-out off the event loop (a durable commit may wait on the sync
        worker's transaction), but before the next person's session begins."""
        from cxdesk.store import signin_commands

        try:
            await asyncio.to_thread(signin_commands.sign_out, self.store, session, reason)
        except CxDeskError as exc:
            self.notify(exc.message, title=exc.title, severity="error")

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification is plain text made safe to show, never markup.

        Messages carry data and error text (a server's answer, a name), so the
        ``markup`` argument is ignored: brackets show as typed, escapes as "␛".
        """
        super().notify(
            safe_text(message, multiline=True),
            title=safe_text(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    # -- one error funnel -------------------------------------------------------
    @on(Worker.StateChanged)
    def _worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed with our own error becomes a notification, not a crash."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, CxDeskError):
            self.notify(error.message, title=error.title, severity="error", timeout=8)
        else:
            self.log.error(f"worker {event.worker.name} failed: {error!r}")
            # A sentence that says what to do; the exception's own text is for the log only.
            self.notify(
                "That did not work and may not have been saved. Check it on screen and try "
                "again; if it happens again, tell a supervisor.",
                title="Unexpected problem",
                severity="error",
            )

    async def action_quit(self) -> None:
        if self.session is not None:
            await self._record_sign_out(self.session, "app closed")
        self.store.forget_keys()
        self.exit()


def _import_for_sign_in() -> None:
    """What the first sign-in needs beyond the sign-in screen: argon2 for the passcode,
    the event model and catalogue (pydantic) for the signed-in event it records."""
    from cxdesk.events import load_all

    importlib.import_module("argon2.low_level")
    importlib.import_module("cxdesk.store.signin_commands")
    importlib.import_module("cxdesk.events.event")
    load_all()


def _import_for_sync() -> None:
    _import_for_sign_in()
    importlib.import_module("cxdesk.sync.worker")


def make_app(settings: Settings, store=None, sync=None) -> CxDeskApp:
    """The desk app on the store in ``settings`` (opened here unless one is given)."""
    from cxdesk.store import open_store

    if store is None:
        store = open_store(Path(settings.store_path))
    from cxdesk.store.printouts import delete_old_printouts

    # Letters and slips are for printing, not keeping: old ones go at each start.
    delete_old_printouts(store.folder, settings.printout_days)
    return CxDeskApp(settings, store, sync)
