"""Area screens imported on first use, so the desk starts as fast as a bare app.

Each area (lookup, customers, queues, ...) brings its screen module, the store
queries behind it and their domain rules (phone numbers, bank holidays, the
directory index). None of that is needed to draw the sign-in screen, so the
app's ``MODES`` hold a small factory per area that imports the screen's module
the first time the area is opened (``tests/test_startup_imports.py`` keeps it so).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from textual.screen import Screen


def area(module: str, name: str) -> Callable[[], Screen]:
    """A factory for ``cxdesk.screens.<module>.<name>`` that imports it when first called."""

    def build() -> Screen:
        return getattr(import_module(f"cxdesk.screens.{module}"), name)()

    build.__qualname__ = name  # readable in Textual's logs and errors
    return build
