"""Stored text made safe to show, and the one rule for which characters text may hold.

Everything a desk shows came from somewhere it does not control: a colleague's
typing, another desk's sync, an import, an error from a captive Wi-Fi portal.
A terminal obeys escape sequences, so a resident's name holding
``ESC ] 52 ; c ; ...`` could fill the advisor's clipboard, and a name holding
Rich markup (``[link=...]``, ``[@click=...]``, ``Markup[/]``) could become a
link, an action or a crash. Two defences, both here:

- ``hidden_character`` is the rule the desk's forms and the server's payload
  models both apply, so such text is refused where it is typed or pushed.
- ``safe_text`` (a plain string, for the CLI and files) and ``safe`` (a Rich
  ``Text``, for widgets) make whatever is already stored harmless to show:
  C0 and C1 controls, DEL and bidirectional formatting characters become
  visible placeholders (ESC shows as "␛", a C1 control or a bidi override as
  "�"). ``Text`` is never parsed as markup, so brackets show as typed.

Line breaks and tabs are a matter of context: in a one-line place (a table
cell, a list item, a title) they become spaces; in a multi-line place (a note,
a letter) line breaks stay and tabs become spaces.
"""

from __future__ import annotations

import functools
import re

from rich.text import Text

__all__ = [
    "BIDI_CONTROLS",
    "LINE_BREAKS",
    "hidden_character",
    "json_may_hide",
    "safe",
    "safe_cells",
    "safe_text",
]

BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
"""Embeddings, overrides, isolates and direction marks: they make text display in a
different order from how it is stored ("Trojan Source"), and no name or note needs them."""

LINE_BREAKS = frozenset("\n\r\u2028\u2029\x0b\x0c\x85")
"""Characters a terminal or a text file may treat as the end of a line."""

_REPLACEMENT = "\ufffd"
_TAB = "    "


def _picture(code: int) -> str:
    """The visible stand-in for a control or formatting character."""
    if code < 0x20:
        return chr(0x2400 + code)  # Unicode's control pictures: ESC shows as "␛"
    if code == 0x7F:
        return "\u2421"  # "␡"
    return _REPLACEMENT


# str.translate tables: one pass over the text, whatever its length. This module loads
# before the first frame: the 2,048 lone surrogates go in by one C-speed ``fromkeys``.
_SURROGATES = range(0xD800, 0xE000)
_PICTURED = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *map(ord, BIDI_CONTROLS)]
_ONE_LINE = dict.fromkeys(_SURROGATES, _REPLACEMENT)
_ONE_LINE.update({code: _picture(code) for code in _PICTURED})
_MULTI_LINE = _ONE_LINE.copy()
_ONE_LINE.update({ord(ch): " " for ch in LINE_BREAKS | {"\t"}})
_MULTI_LINE.update({ord(ch): "\n" for ch in LINE_BREAKS})
_MULTI_LINE[ord("\t")] = _TAB


def safe_text(value: object, *, multiline: bool = False) -> str:
    """``value`` as text with nothing a terminal would obey and nothing invisible.

    ``None`` is "". Line breaks become spaces unless ``multiline`` (then
    ``\\r\\n``, ``\\r`` and the Unicode separators become ``\\n``); tabs become
    spaces. Lone surrogates (undecodable bytes) become "�".
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    text = text.replace("\r\n", "\n" if multiline else " ")
    return text.translate(_MULTI_LINE if multiline else _ONE_LINE)


def safe(value: object, style: str = "", *, multiline: bool = False) -> Text:
    """``value`` as a Rich ``Text`` for a widget: made safe, and never read as markup."""
    return Text(safe_text(value, multiline=multiline), style=style)


def safe_cells(*values: object) -> list[Text]:
    """A table row: each value made safe (``Text`` we built ourselves is kept as it is)."""
    return [value if isinstance(value, Text) else safe(value) for value in values]


def _refused_class(allowed: str) -> str:
    """One regex character class: controls (Cc), lone surrogates (Cs), bidi controls and
    line breaks and tab, less the characters ``allowed``."""
    codes = {*range(0x00, 0x20), *range(0x7F, 0xA0), *range(0xD800, 0xE000)}
    codes |= {ord(ch) for ch in BIDI_CONTROLS | LINE_BREAKS | {"\t"}}
    codes -= {ord(ch) for ch in allowed}
    spans: list[list[int]] = []
    for code in sorted(codes):
        if spans and spans[-1][1] == code - 1:
            spans[-1][1] = code
        else:
            spans.append([code, code])
    return "[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in spans) + "]"


@functools.cache
def _refusal(multiline: bool) -> re.Pattern[str]:
    """The rule as one regex (made when first checked: showing text never needs it).
    Every server check of every payload runs it: one search, not a loop per character."""
    return re.compile(_refused_class("\n\t" if multiline else ""))


@functools.cache
def _json_may_hide() -> re.Pattern[str]:
    # JSON escapes every C0 control as a backslash and a letter (\n, \t, \u001b) and
    # writes every other character as itself, so a text holding a character the rule
    # refuses shows in the JSON as that character or as an escape other than \" and \\.
    return re.compile(_refused_class("") + r'|\\[^"\\]')


def hidden_character(text: str, *, multiline: bool = False) -> tuple[int, str] | None:
    """The first character ``text`` may not hold, as (1-based position, character), or None.

    Control characters (C0, DEL, C1), lone surrogates and bidirectional
    formatting characters are refused everywhere; line breaks and tabs are
    refused unless ``multiline``, and then only ``\\n`` and tab are allowed
    (callers turn ``\\r\\n`` into ``\\n`` first).
    """
    found = _refusal(multiline).search(text)
    return None if found is None else (found.start() + 1, found.group())


def json_may_hide(json_text: str) -> bool:
    """Whether any text inside ``json_text`` (JSON as ``json.dumps`` writes it) may hold
    a character ``hidden_character`` refuses, keys included, on either rule.

    False proves none does: one search over a whole payload instead of one per field.
    True is only a maybe (an escaped backslash before a letter, a tab in a note):
    the caller then checks each text.
    """
    # Plain ASCII (most payloads): the only refused characters there are C0 controls,
    # which JSON writes as escapes (so a backslash), and DEL; two scans, no regex.
    if json_text.isascii() and "\\" not in json_text and "\x7f" not in json_text:
        return False
    return _json_may_hide().search(json_text) is not None
