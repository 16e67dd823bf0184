"""``cxdesk serve``: run the central API with uvicorn (SQLite in the data folder by default)."""

from __future__ import annotations

import logging

import click

from cxdesk.cli_output import say
from cxdesk.config import load_settings
from cxdesk.errors import CxDeskError


def resolve_db_url(db: str | None) -> str:
    """``--db`` as given, else the embedded SQLite file in the data folder."""
    from cxdesk.sync.server.db import default_db_url, normalise_url

    return normalise_url(db) if db else default_db_url(load_settings().data_dir)


def db_option(func):
    return click.option(
        "--db",
        envvar="CXDESK_SERVER_DB",
        default=None,
        help="Database URL (postgresql+psycopg://... or sqlite:///...); "
        "default: central.sqlite3 in the data folder.",
    )(func)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8740, show_default=True, type=int)
@db_option
@click.option("--seed-demo", is_flag=True, help="Seed the demo council from the fixtures (once).")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="API processes (stateless: more processes, one database).",
)
@click.option(
    "--read-db",
    envvar="CXDESK_SERVER_READ_DB",
    default=None,
    help="A read replica of --db (PostgreSQL streaming replica) to serve pulls from; "
    "a pull it is behind on goes to --db.",
)
@click.option(
    "--ssl-certfile",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Serve HTTPS with this certificate (PEM; with --ssl-keyfile).",
)
@click.option(
    "--ssl-keyfile",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="The certificate's private key (PEM).",
)
def serve_command(
    host: str,
    port: int,
    db: str | None,
    seed_demo: bool,
    workers: int,
    read_db: str | None,
    ssl_certfile: str | None,
    ssl_keyfile: str | None,
) -> None:
    """Run the central API (OpenAPI at /docs, health at /health).

    Desks talk to it over HTTPS only (plain http:// is accepted on loopback, for
    a reverse proxy on this machine that terminates TLS): give a certificate
    here, or put the API behind a TLS proxy (README, Security).
    """
    import uvicorn

    if bool(ssl_certfile) != bool(ssl_keyfile):
        raise CxDeskError("--ssl-certfile and --ssl-keyfile go together.")
    tls = {"ssl_certfile": ssl_certfile, "ssl_keyfile": ssl_keyfile} if ssl_certfile else {}

    from cxdesk.sync.server import admin
    from cxdesk.sync.server.app import create_app, open_database
    from cxdesk.sync.server.db import make_engine, normalise_url
    from cxdesk.sync.transport import is_loopback

    access = logging.getLogger("cxdesk.access")  # one line per request, on standard error
    if not access.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s access %(message)s"))
        access.addHandler(handler)
        access.setLevel(logging.INFO)
    url = resolve_db_url(db)
    engine = open_database(url)
    if seed_demo:
        say(f"seeded {admin.seed_server(engine)} demo events", err=True)
    marks = load_settings().data_dir / "server-marks"
    read_url = normalise_url(read_db) if read_db else None
    read_engine = make_engine(read_url) if read_url and workers == 1 else None
    app = create_app(engine=engine, marks_dir=marks, read_engine=read_engine)
    if app.state.new_epoch:
        say(
            "The database is behind what this server saw before (restored from a backup?): "
            f"new epoch {app.state.new_epoch}; desks will send their events again.",
            err=True,
        )
    scheme = "https" if tls else "http"
    replica = "; pulls from the read replica when it has caught up" if read_url else ""
    say(
        f"cxdesk central API on {scheme}://{host}:{port} ({engine.dialect.name}{replica})", err=True
    )
    if not tls and not is_loopback(host):
        say(
            "Warning: plain HTTP on a network address; desks will refuse it. Give "
            "--ssl-certfile/--ssl-keyfile or serve behind a TLS proxy.",
            err=True,
        )
    try:
        if workers == 1:
            uvicorn.run(app, host=host, port=port, log_level="warning", **tls)
        else:
            import os

            engine.dispose()
            os.environ["CXDESK_SERVER_DB"], os.environ["CXDESK_SERVER_MARKS"] = url, str(marks)
            os.environ["CXDESK_SERVER_READ_DB"] = read_url or ""
            uvicorn.run(
                "cxdesk.sync.server.app:app_from_env",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                log_level="warning",
                **tls,
            )
    finally:
        engine.dispose()
        if read_engine is not None:
            read_engine.dispose()


def register(cli: click.Group) -> None:
    cli.add_command(serve_command)
