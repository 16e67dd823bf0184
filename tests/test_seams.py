"""The seams between screens and the app stay typed: screens reach the desk through
``self.desk`` (never ``getattr`` on the app, never ``self.app.store``), and messages
are handled one way, with ``@on`` (Textual's lifecycle events keep ``on_mount`` & co.)."""

from __future__ import annotations

import ast
from pathlib import Path

import cxdesk

PACKAGE = Path(cxdesk.__file__).parent
UI = sorted(
    [*(PACKAGE / "screens").glob("*.py"), *(PACKAGE / "widgets").glob("*.py")]
    + [PACKAGE / "tasks.py", PACKAGE / "palette.py"]
)
DESK_ONLY = {"store", "session", "settings", "sync", "sync_status", "sync_text", "locked"}
LIFECYCLE = {
    "on_mount",
    "on_unmount",
    "on_show",
    "on_hide",
    "on_screen_resume",
    "on_screen_suspend",
    "on_resize",
    "on_key",
    "on_paste",
    "on_click",
    "on_focus",
    "on_blur",
}


def _is_app(node: ast.AST) -> bool:
    """``self.app`` or a bare ``app``."""
    if isinstance(node, ast.Name):
        return node.id == "app"
    return isinstance(node, ast.Attribute) and node.attr == "app"


def problems(path: Path) -> list[str]:
    return problems_in(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE)))


def problems_in(source: str, name: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        where = f"{name}:{getattr(node, 'lineno', 0)}"
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr")
            and node.args
            and _is_app(node.args[0])
        ):
            found.append(f"{where}: {node.func.id} on the app (use self.desk)")
        if isinstance(node, ast.Attribute) and node.attr in DESK_ONLY and _is_app(node.value):
            found.append(f"{where}: app.{node.attr} (use self.desk.{node.attr})")
        if (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name.startswith("on_")
            and node.name not in LIFECYCLE
        ):
            found.append(f"{where}: {node.name} (handle messages with @on)")
    return found


def test_screens_and_widgets_keep_to_the_seams():
    assert UI
    assert [p for path in UI for p in problems(path)] == []


def test_the_check_finds_what_it_looks_for():
    source = (
        "class S:\n"
        "    def on_thing_done(self, message): pass\n"
        "    def on_mount(self): pass\n"
        "    def work(self):\n"
        "        getattr(self.app, 'session', None)\n"
        "        return self.app.store, self.desk.store\n"
    )
    assert [p.split(": ", 1)[1] for p in problems_in(source, "probe.py")] == [
        "on_thing_done (handle messages with @on)",
        "getattr on the app (use self.desk)",
        "app.store (use self.desk.store)",
    ]
