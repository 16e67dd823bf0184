"""``cxdesk lookup QUERY``: the directory search from a shell, same results as the screen.

Useful on a desk where the app is not open, and for scripts (``--json``). It
uses the same index and open-now rules as the lookup screen, on this desk's
store or (``--demo``) a demo desk's store.
"""

from __future__ import annotations

import json

import click

from cxdesk.cli_output import say
from cxdesk.config import load_settings
from cxdesk.errors import CxDeskError


def _open_store(demo: bool, desk: str):
    from cxdesk.store import open_store

    if demo:
        from cxdesk.commands.desk_cmd import demo_data_dir

        folder = demo_data_dir(desk)
        settings = load_settings(data_dir=folder)
    else:
        settings = load_settings()
    if not settings.store_path.exists():
        hint = "run `cxdesk demo` first" if demo else "use --demo for the demo council"
        raise CxDeskError(f"There is no desk store in {settings.data_dir}; {hint}.")
    return open_store(settings.store_path)


@click.command("lookup")
@click.argument("query", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 500))
@click.option("--demo", is_flag=True, help="Search a demo desk's store instead of this desk's.")
@click.option(
    "--desk", default="DEMO-CSC-1", show_default=True, help="The demo desk (with --demo)."
)
def lookup_command(
    query: tuple[str, ...], as_json: bool, limit: int, demo: bool, desk: str
) -> None:
    """Find a team's priority number: name, number and whether it is open now."""
    from cxdesk.domain.directory import format_uk
    from cxdesk.store.directory_queries import directory_size, search_directory

    text = " ".join(query)
    store = _open_store(demo, desk)
    try:
        if not directory_size(store):
            raise CxDeskError(
                "The directory on this desk is empty. An administrator can load one with "
                "`cxdesk admin import-directory FILE`.",
                title="No directory",
            )
        results = search_directory(store, text, limit=limit)
    finally:
        store.close()
    if as_json:
        rows = [
            {
                "id": r.entry.id,
                "name": r.entry.name,
                "number": format_uk(r.entry.phone),
                "number_e164": r.entry.phone,
                "extension": r.entry.extension,
                "open_now": r.open_now,
                "status": r.status,
                "staff_only": r.entry.staff_only,
                "out_of_hours_number": (
                    format_uk(r.entry.out_of_hours_phone, r.entry.out_of_hours_extension)
                    if r.entry.out_of_hours_phone
                    else None
                ),
            }
            for r in results
        ]
        say(json.dumps(rows, indent=2, ensure_ascii=False))
    elif not results:
        say(f'Nothing matches "{text}".')
    else:
        width = min(40, max(len(r.entry.name) for r in results))
        for r in results:
            staff = "  STAFF ONLY" if r.entry.staff_only else ""
            say(
                f"{r.entry.name:<{width}}  {format_uk(r.entry.phone, r.entry.extension):<14}  "
                f"{r.status}{staff}"
            )
    if not results:
        raise SystemExit(1)


def register(cli: click.Group) -> None:
    cli.add_command(lookup_command)
