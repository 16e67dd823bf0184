"""Transport: desks use https (plain http on loopback only), tokens never on the command line,
and ``cxdesk serve`` speaks TLS when given a certificate."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
import subprocess
import sys

import httpx
import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cxdesk.cli import cli
from cxdesk.errors import ValidationError
from cxdesk.sync.transport import check_server_url

from .sync.helpers import ROOT, free_port, wait_until


@pytest.mark.parametrize(
    "url",
    [
        "https://cxdesk.eastmere.example",
        "https://10.0.0.5:8740/",
        "http://127.0.0.1:8740",
        "http://localhost:8740",
        "http://[::1]:8740",
    ],
)
def test_allowed_server_addresses(url):
    assert check_server_url(url) == url.rstrip("/")


@pytest.mark.parametrize(
    "url", ["http://cxdesk.eastmere.example", "http://10.0.0.5:8740", "ftp://x", "cxdesk", ""]
)
def test_refused_server_addresses(url):
    with pytest.raises(ValidationError):
        check_server_url(url)


def test_enrol_refuses_plain_http_before_asking_for_the_token(tmp_path):
    result = CliRunner().invoke(cli, ["enrol", "--server", "http://cxdesk.eastmere.example"])
    assert result.exit_code != 0 and "plain http://" in result.output


def test_enrol_takes_no_token_argument_and_wants_a_private_token_file(tmp_path):
    result = CliRunner().invoke(cli, ["enrol", "--server", "http://127.0.0.1:9", "--token", "x"])
    assert result.exit_code == 2 and "No such option" in result.output
    token = tmp_path / "token"
    token.write_text("cxd_secret\n")
    token.chmod(0o644)
    result = CliRunner().invoke(
        cli, ["enrol", "--server", "http://127.0.0.1:9", "--token-file", str(token)]
    )
    assert result.exit_code != 0 and "chmod 600" in result.output
    assert "cxd_secret" not in result.output


def _self_signed(folder):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = folder / "cert.pem", folder / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    keyfile.write_bytes(pem)
    keyfile.chmod(0o600)
    return certfile, keyfile


def test_serve_speaks_tls_with_a_certificate(tmp_path):
    certfile, keyfile = _self_signed(tmp_path)
    port = free_port()
    env = dict(os.environ, CXDESK_DATA_DIR=str(tmp_path / "data"))
    args = [
        sys.executable,
        "-m",
        "cxdesk",
        "serve",
        "--port",
        str(port),
        "--db",
        f"sqlite:///{tmp_path / 'central.sqlite3'}",
        "--ssl-certfile",
        str(certfile),
        "--ssl-keyfile",
        str(keyfile),
    ]
    proc = subprocess.Popen(
        args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    trust = ssl.create_default_context(cafile=str(certfile))
    try:

        def healthy():
            try:
                url = f"https://127.0.0.1:{port}/health"
                return httpx.get(url, verify=trust, timeout=1).status_code == 200
            except httpx.HTTPError:
                return proc.poll() is not None

        wait_until(healthy, what="the TLS server")
        assert proc.poll() is None
        with pytest.raises(httpx.HTTPError):  # plain http on the TLS port is not answered
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).raise_for_status()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
