"""Hostile text, a way to store it, and the check that nothing raw reaches the terminal.

The rule (``cxdesk.domain.safe_text``) refuses control and bidirectional
characters when text is typed or pushed, so a store holding them is one written
before the rule, by another program, or by a modified desk. ``allow_hostile``
lifts the rule for the length of a test's set-up, so the store, its projections
and the screens are the real ones and only the input checks are skipped.

``terminal_output`` is what Textual would write to the terminal for the screen
now (the same full update it sends on start); ``assert_terminal_safe`` checks
that the only escape sequences in it are Textual's own CSI cursor and colour
codes: no OSC (clipboard, title, hyperlink), no C1 control, no BEL, no bidi.
"""

from __future__ import annotations

import contextlib
import re

from cxdesk.domain.safe_text import BIDI_CONTROLS

OSC52 = "\x1b]52;c;Y3VybA==\x07"
"""Sets the terminal's clipboard (to "curl", in base64)."""
OSC0 = "\x1b]0;pwned\x07"
"""Sets the window title."""
CSI = "\x1b[2J"
C1_CSI = "\x9b31m"
BIDI = "\u202eevil\u202c"
LINK = "[link='https://evil.example/']Quill[/link]"
CLICK = "[@click=app.quit]x[/]"

GIVEN = f"{LINK}{OSC52}"
FAMILY = f"Markup[/]{OSC0}{C1_CSI}{BIDI}{CLICK}{CSI}"[:60]
HOSTILE_NAME = f"{GIVEN} {FAMILY}"
SEARCH_WORD = "quill"
"""What an advisor types to find the hostile customer."""


def customer_payload(customer_id: str) -> dict:
    """A ``CustomerRegistered`` payload full of text no desk would accept today."""
    return {
        "customer_id": customer_id,
        "given_name": GIVEN,
        "family_name": FAMILY,
        "date_of_birth": "1984-02-11",
        "address": f"1 {OSC0}Road\n{LINK}",
        "postcode": "EM1 4QT",
        "phone": "+447700900101",
        "no_email": True,
        "accessibility_needs": f"{CLICK}{OSC52}",
        "vulnerability_flags": [f"flag{OSC0}"],
        "council_reference": f"R{C1_CSI}",
    }


TEXT = f"Story [b]bold[/b] Markup[/] {OSC52} {BIDI} {C1_CSI} {LINK}"
"""A story, note, reason or outcome of the same kind."""


def record(store, monkeypatch, kind: str, payload: dict, *, actor="A1001", role="advisor"):
    """Record an event whose text breaks the rule, as a desk before the rule would have."""
    with allow_hostile(monkeypatch):
        return store.record(kind, payload, actor=actor, role=role)


@contextlib.contextmanager
def allow_hostile(monkeypatch):
    """Skip the desk's and the payload models' hidden-character checks while seeding."""
    with monkeypatch.context() as patch:
        patch.setattr("cxdesk.events.payload.hidden_character", lambda *a, **k: None)
        patch.setattr("cxdesk.domain.validation.hidden_character", lambda *a, **k: None)
        patch.setattr("cxdesk.domain.directory.hidden_character", lambda *a, **k: None)
        yield


_TEXTUAL_OWN = re.compile(r"\x1b\[[0-9;:?]*[ -/]*[@-~]")
"""CSI sequences: how Textual moves the cursor and sets colours."""


def terminal_output(app) -> str:
    """The characters Textual would send to the terminal to draw the screen now."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    return update.render_segments(app.console)


def assert_terminal_safe(app, where: str = "") -> str:
    """Fail if anything but Textual's own CSI codes would reach the terminal; the text shown."""
    where = where or type(app.screen).__name__
    output = terminal_output(app)
    rest = _TEXTUAL_OWN.sub("", output)
    assert "\x1b" not in rest, _around(rest, "\x1b", where)
    for char in rest:
        code = ord(char)
        assert char not in BIDI_CONTROLS, _around(rest, char, where)
        assert not (0x80 <= code < 0xA0 or code == 0x7F), _around(rest, char, where)
        assert code >= 0x20 or char == "\n", _around(rest, char, where)
    return rest


def assert_text_safe(text: str, where: str = "") -> None:
    """Fail if ``text`` (CLI output, a file) holds any control but a line break, or bidi."""
    for char in text:
        code = ord(char)
        bad = code < 0x20 and char not in "\n\r" or 0x7F <= code < 0xA0 or char in BIDI_CONTROLS
        assert not bad, _around(text, char, where)


def _around(text: str, char: str, where: str = "") -> str:
    at = text.index(char)
    nearby = text[max(0, at - 40) : at + 40]
    return f"{where}: raw U+{ord(char):04X} reaches the terminal: {nearby!r}"
