"""The desk footer rebuilds its keys only when the keys it shows change."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Input
from textual.widgets._footer import FooterKey

from cxdesk.widgets.footer import DeskFooter


class _Form(App):
    BINDINGS = [Binding("f9", "save", "Save")]

    def __init__(self) -> None:
        super().__init__()
        self.may_save = True

    def compose(self) -> ComposeResult:
        yield Input(id="first")
        yield Input(id="second")
        yield DeskFooter(compact=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.may_save if action == "save" else True

    def action_save(self) -> None:
        pass


def _keys(app: App) -> list[FooterKey]:
    return list(app.screen.query(FooterKey))


def _shows(app: App) -> dict[str, bool]:
    """Each key's description, and whether it is drawn enabled."""
    return {key.description: not key.disabled for key in _keys(app) if key.description}


async def test_moving_between_fields_with_the_same_keys_keeps_the_footer():
    app = _Form()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        before = _keys(app)
        assert _shows(app)["Save"] is True
        await pilot.press("tab")
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "second"
        assert _keys(app) == before  # the very same widgets: nothing was rebuilt


async def test_a_key_that_changes_is_redrawn():
    app = _Form()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        before = _keys(app)
        app.may_save = False
        app.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert "Save" not in _shows(app)  # check_action said no: the key is no longer shown
        assert _keys(app) != before
