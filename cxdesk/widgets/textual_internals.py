"""The one place cxdesk reaches into Textual's private attributes.

Textual offers no public call for what is done here, so each use is kept in
this module, named for what it does, and pinned by ``tests/test_textual_internals.py``:
a Textual upgrade that renames the attributes fails that test rather than
quietly leaving a screen drawn wrong.
"""

from __future__ import annotations

from textual.widgets import DataTable


def column_widths_changed(table: DataTable) -> None:
    """Make ``table`` recompute its size and redraw after a ``column.width`` was set.

    DataTable has no public "column resized": adding a column or row sets the
    same flag and clears the same caches, which is all this does.
    """
    table._require_update_dimensions = True
    table._clear_caches()
    table.refresh()
