"""The desk's stylesheet parses each piece of CSS once per set of variables, and still
follows a theme change and every source added."""

from __future__ import annotations

import textual.css.stylesheet as textual_stylesheet
from textual.color import Color

from cxdesk.widgets.stylesheet import DeskStylesheet

BLUE = {"accent": "#0000ff"}
RED = {"accent": "#ff0000"}


def _parses(monkeypatch) -> list[str]:
    """Names of the sources Textual's parser is handed, in order."""
    seen: list[str] = []
    real = textual_stylesheet.parse

    def counting(scope, css, read_from, **kwargs):
        seen.append(read_from[1])
        return real(scope, css, read_from, **kwargs)

    monkeypatch.setattr(textual_stylesheet, "parse", counting)
    return seen


def _colour(sheet: DeskStylesheet, selector: str) -> Color:
    (rule,) = [r for r in sheet.rules if r.selectors == selector]
    return rule.styles.color


def test_a_refresh_with_the_same_variables_parses_only_what_is_new(monkeypatch):
    seen = _parses(monkeypatch)
    sheet = DeskStylesheet(variables=BLUE)
    sheet.add_source("Label { color: $accent; }", read_from=("", "one"))
    sheet.parse()
    sheet.set_variables(dict(BLUE))  # what Textual does for a mode's first screen
    sheet.reparse()
    sheet.add_source("Input { color: $accent; }", read_from=("", "two"))
    sheet.reparse()
    assert seen == ["one", "two"]
    assert _colour(sheet, "Label") == _colour(sheet, "Input") == Color.parse("#0000ff")


def test_new_variables_are_parsed_into_every_rule(monkeypatch):
    seen = _parses(monkeypatch)
    sheet = DeskStylesheet(variables=BLUE)
    sheet.add_source("Label { color: $accent; }", read_from=("", "one"))
    sheet.parse()
    sheet.set_variables(RED)  # a theme change
    sheet.reparse()
    assert seen == ["one", "one"]
    assert _colour(sheet, "Label") == Color.parse("#ff0000")
    sheet.set_variables(dict(RED))
    sheet.reparse()
    assert seen == ["one", "one"]
