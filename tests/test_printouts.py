"""Letters, slips and exports: files only on request, 0600, deleted at start when old."""

from __future__ import annotations

import os
import stat
import time

import pytest

from cxdesk.config import load_settings
from cxdesk.errors import CxDeskError
from cxdesk.store import open_store
from cxdesk.store.printouts import delete_old_printouts, write_private_text

DAY = 86_400


def age(path, days):
    then = time.time() - days * DAY
    os.utime(path, (then, then))


def test_printouts_are_private(tmp_path):
    path = write_private_text(tmp_path / "slips" / "a.txt", "For: Maria Okafor")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    path.chmod(0o644)  # loosened by someone; writing again tightens it
    write_private_text(path, "again")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_old_letters_slips_and_exports_go_at_start(tmp_path, monkeypatch):
    from cxdesk.app import make_app

    monkeypatch.setenv("CXDESK_PRINTOUT_DAYS", "30")
    settings = load_settings()
    folder = settings.data_dir
    old = [
        write_private_text(folder / f / "old.txt", "Okafor")
        for f in ("letters", "slips", "exports")
    ]
    new = write_private_text(folder / "slips" / "new.txt", "Okafor")
    keep = write_private_text(folder / "notes" / "old.txt", "not ours to delete")
    for path in (*old, keep):
        age(path, 31)
    age(new, 29)
    make_app(settings).store.close()
    assert [p.exists() for p in old] == [False, False, False]
    assert new.exists() and keep.exists()


def test_retention_days_follow_the_setting(tmp_path):
    path = write_private_text(tmp_path / "letters" / "x.txt", "Okafor")
    age(path, 3)
    assert delete_old_printouts(tmp_path, 7) == 0 and path.exists()
    assert delete_old_printouts(tmp_path, 2) == 1 and not path.exists()


@pytest.mark.parametrize("bad", ["0", "-1", "soon", "4000"])
def test_retention_setting_is_checked(monkeypatch, bad):
    monkeypatch.setenv("CXDESK_PRINTOUT_DAYS", bad)
    with pytest.raises(CxDeskError, match="printout_days"):
        load_settings()


def test_store_folder_gets_no_files_by_itself(tmp_path):
    store = open_store(tmp_path / "d" / "desk.sqlite3", device_id="D1", location="CSC")
    store.close()
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == [
        "desk.sqlite3",
        "desk.sqlite3.key",
    ]
