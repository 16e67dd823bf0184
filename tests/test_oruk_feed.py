"""``cxdesk admin import-directory URL``: an Open Referral UK API's ``/services`` pages,
fetched over real HTTP from a loopback server started here, imported with the same report.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cxdesk.cli import cli
from cxdesk.config import load_settings
from cxdesk.store import open_store
from cxdesk.store.directory_queries import get_entry
from cxdesk.sync.oruk_feed import FeedError, check_url, fetch_service_pages, services_url
from tests import peek

from .deskkit import PASSCODES, build_desk
from .oruk_feed_server import FeedHandler as _Feed
from .oruk_feed_server import serve_feed


@pytest.fixture
def feed():
    with serve_feed() as url:
        yield url


# The importer types their passcode: the import is recorded under their signature.
TYPED = PASSCODES["S3001"] + "\n"


@pytest.fixture
def desk():
    store = open_store(load_settings().store_path, device_id="D-CLI", location="CSC")
    build_desk(store)
    store.close()


def test_every_page_is_fetched_in_order(feed):
    pages = fetch_service_pages(feed)
    assert [page["page_number"] for page in pages] == [1, 2]
    assert [path.split("?")[1] for path in _Feed.asked] == [
        "page=1&per_page=100",
        "page=2&per_page=100",
    ]


def test_cli_imports_the_feed_and_a_second_run_changes_nothing(feed, desk):
    runner = CliRunner()
    result = runner.invoke(cli, ["admin", "import-directory", feed, "--as", "S3001"], input=TYPED)
    assert result.exit_code == 0, result.output
    assert "fetched 2 page(s)" in result.output
    assert "added: 4" in result.output
    assert "schedule 1 ended on 2026-03-31; left out" in result.output
    again = runner.invoke(
        cli, ["admin", "import-directory", feed + "/services", "--as", "S3001"], input=TYPED
    )
    assert "added: 0" in again.output and "unchanged: 4" in again.output
    store = open_store(load_settings().store_path)
    try:
        line = get_entry(store, "a3c2e1b0-0001-4d6e-9f00-000000000001")
    finally:
        store.close()
    assert line is not None and line.extension == "2"


def test_a_staff_only_number_is_never_overwritten_by_the_public_feed(feed, desk):
    _Feed.mode = "staff-clash"
    store = open_store(load_settings().store_path)
    before = get_entry(store, "housing-options")
    store.close()
    assert before is not None and before.staff_only
    result = CliRunner().invoke(
        cli, ["admin", "import-directory", feed, "--as", "S3001", "--remove-missing"], input=TYPED
    )
    assert result.exit_code == 0, result.output
    assert "staff-only entries kept as they are" in result.output
    store = open_store(load_settings().store_path)
    try:
        assert get_entry(store, "housing-options") == before
    finally:
        store.close()


@pytest.mark.parametrize(
    ("mode", "message"),
    [("ignores-page", "ignores ?page="), ("html", "is not JSON")],
)
def test_a_broken_feed_is_one_sentence_and_imports_nothing(feed, desk, mode, message):
    _Feed.mode = mode
    result = CliRunner().invoke(
        cli, ["admin", "import-directory", feed, "--as", "S3001"], input=TYPED
    )
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert "added" not in result.output


def test_an_empty_feed_removes_nothing(feed, desk):
    _Feed.mode = "empty"
    result = CliRunner().invoke(
        cli, ["admin", "import-directory", feed, "--as", "S3001", "--remove-missing"], input=TYPED
    )
    assert result.exit_code == 1
    assert "removed:" not in result.output
    assert "no services or rows in it; nothing imported or removed" in result.output
    store = open_store(load_settings().store_path)
    try:
        assert peek.scalar(store, "SELECT COUNT(*) FROM directory_entries") > 5
    finally:
        store.close()


def test_an_oversized_page_is_cut_off_before_parsing(feed, monkeypatch):
    from cxdesk.sync import oruk_feed

    monkeypatch.setattr(oruk_feed, "MAX_PAGE_BYTES", 1000)
    with pytest.raises(FeedError, match="page 1: larger than 1,000 bytes; stopped"):
        fetch_service_pages(feed)


def test_only_https_or_loopback_http():
    assert check_url("https://directory.eastmere.example/api")
    assert check_url("http://127.0.0.1:9/api") and check_url("http://[::1]:9/api")
    with pytest.raises(FeedError, match="must be an https:// address"):
        check_url("http://directory.eastmere.example/api")
    assert services_url("https://x.example/api/") == "https://x.example/api/services"
    assert services_url("https://x.example/api/services") == "https://x.example/api/services"


def test_unreachable_feed_is_a_sentence():
    with pytest.raises(FeedError, match="could not be fetched"):
        fetch_service_pages("http://127.0.0.1:9/api")
