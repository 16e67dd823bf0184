"""Write a new central-schema revision from the change to ``models.py`` (a developer's tool).

``make central-migration MESSAGE="..."`` runs this: it migrates a scratch
SQLite database to the newest revision, lets Alembic's autogenerate compare it
with ``models.py``, and writes ``alembic/versions/NNNN_message.py`` (numbered
in order, formatted by ruff). Review it before committing: autogenerate sees
tables, columns, types, nullability, indexes and unique constraints, but not
triggers, data steps or renames (it writes a rename as drop and add).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.script import Script, ScriptDirectory

from cxdesk.sync.server.db import make_engine, write_transaction
from cxdesk.sync.server.migrations import alembic_config, migrate


def new_revision(message: str) -> Path:
    """Autogenerate the next revision; returns its file."""
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'central.sqlite3'}")
        try:
            migrate(engine)
            with write_transaction(engine) as conn:
                config = alembic_config(conn)
                config.attributes["autogenerate"] = True
                number = len(list(ScriptDirectory.from_config(config).walk_revisions())) + 1
                made = command.revision(config, message, autogenerate=True, rev_id=f"{number:04d}")
        finally:
            engine.dispose()
    if not isinstance(made, Script):  # env.py wrote nothing: no difference found
        raise SystemExit("models.py and the newest revision agree: no revision written.")
    path = Path(made.path)
    ruff = [sys.executable, "-m", "ruff"]
    subprocess.run([*ruff, "check", "--fix", "--quiet", str(path)], check=False)
    subprocess.run([*ruff, "format", "--quiet", str(path)], check=True)
    return path


def main() -> None:
    message = " ".join(sys.argv[1:]).strip()
    if not message:
        sys.exit('Say what the change is: make central-migration MESSAGE="claims index by day"')
    print(f"Wrote {new_revision(message)}: review it, then run tests/sync/test_central_schema.py.")


if __name__ == "__main__":
    main()
