"""``cxdesk serve`` refuses a SQLite database on a network drive, as the desk refuses its store."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cxdesk.cli import cli
from cxdesk.errors import StoreError
from cxdesk.store import filesystem
from cxdesk.sync.server.db import make_engine


@pytest.fixture
def nfs_tmp(tmp_path, monkeypatch):
    """Pretend ``tmp_path/share`` is an NFS mount (a real one needs a file server)."""
    share = tmp_path / "share"
    mounts = tmp_path / "mounts"
    mounts.write_text(f"/dev/sda1 / ext4 rw 0 0\nfiler:/export {share} nfs4 rw 0 0\n")
    monkeypatch.setattr(filesystem, "MOUNTS_FILE", mounts)
    return share


def test_server_engine_refuses_sqlite_on_nfs(nfs_tmp):
    with pytest.raises(StoreError, match="network drive.*nfs4.*PostgreSQL"):
        make_engine(f"sqlite:///{nfs_tmp / 'central.sqlite3'}")
    assert not (nfs_tmp / "central.sqlite3").exists()


def test_serve_says_so_in_one_line(nfs_tmp, tmp_path, monkeypatch):
    monkeypatch.setenv("CXDESK_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(
        cli, ["serve", "--port", "1", "--db", f"sqlite:///{nfs_tmp / 'c.sqlite3'}"]
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "central database folder" in result.output and "network drive" in result.output


def test_local_sqlite_is_fine(tmp_path):
    make_engine(f"sqlite:///{tmp_path / 'central.sqlite3'}").dispose()
