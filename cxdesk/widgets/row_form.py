"""The labelled-row form body shared by the customer and referral forms.

Each field is one ``Horizontal.row``: a short label (15 columns) then the field
taking the rest of the width, so a whole form fits 80x24; the focused row's
label turns reverse video (readable without colour); a ``.field-error`` line
under a row stays hidden until it is given the ``-shown`` class. It is not a
Tab stop itself: Tab goes field to field.
"""

from __future__ import annotations

from textual.containers import VerticalScroll


class RowForm(VerticalScroll, can_focus=False):
    """A scrolling column of labelled rows with their error lines."""

    DEFAULT_CSS = """
    RowForm { height: 1fr; }
    RowForm .row { height: auto; }
    RowForm .row > Label { width: 15; padding: 0 1 0 0; }
    RowForm .row:focus-within > Label { text-style: bold reverse; }
    RowForm .row > Input, RowForm .row > Select { width: 1fr; }
    RowForm .field-error { color: $error; text-style: bold; height: auto;
        padding: 0 0 0 15; display: none; }
    RowForm .field-error.-shown { display: block; }
    """
