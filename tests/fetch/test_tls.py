"""HTTPS while connecting by IP: SNI and certificate checks must still use the URL's hostname.

The guarded backend hands httpcore a socket to a checked IP address; if TLS were then started
against that IP, certificate checks would fail for every real site, or worse, be switched off
to make them pass. These tests serve a certificate for ``images.test`` on 127.0.0.1 and
check that the fetcher sends ``images.test`` as SNI, accepts the certificate for that name and
refuses it for any other.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from childsafe.fetch import Fetcher, FetchError, FetchPolicy
from tests.fetch.conftest import Connections, FakeResolver, Handler, LocalServer

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")

ALLOW_LOOPBACK = FetchPolicy(allow_networks=("127.0.0.1/32",), allowed_ports=None)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
            "-subj", "/CN=images.test", "-addext", "subjectAltName=DNS:images.test",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_server(
    certificate: tuple[Path, Path], serve: Callable[..., LocalServer]
) -> tuple[LocalServer, list[str | None]]:
    names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    context.sni_callback = lambda sock, name, ctx: names.append(name)

    def hello(h: Handler) -> None:
        h.reply(200, b"hello over tls", {"Content-Type": "text/plain"})

    return serve({"/": hello}, tls=context), names


def trusting(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


def test_sni_and_certificate_use_the_hostname(
    tls_server: tuple[LocalServer, list[str | None]],
    certificate: tuple[Path, Path],
    connections: Connections,
) -> None:
    server, names = tls_server
    resolver = FakeResolver({"images.test": ["127.0.0.1"]})
    fetcher = Fetcher(ALLOW_LOOPBACK, resolver, ssl_context=trusting(certificate))
    got = fetcher.fetch(server.url("/", host="images.test"))
    assert got.content == b"hello over tls"
    assert names == ["images.test"]
    assert connections == [("127.0.0.1", server.port)]


def test_certificate_for_another_name_is_refused(
    tls_server: tuple[LocalServer, list[str | None]], certificate: tuple[Path, Path]
) -> None:
    server, names = tls_server
    resolver = FakeResolver({"other.test": ["127.0.0.1"]})
    fetcher = Fetcher(ALLOW_LOOPBACK, resolver, ssl_context=trusting(certificate))
    with pytest.raises(FetchError) as info:
        fetcher.fetch(server.url("/", host="other.test"))
    assert info.value.reason == "connection_failed"
    assert "other.test" in info.value.message
    assert names == ["other.test"]


def test_untrusted_certificate_is_refused_by_default(
    tls_server: tuple[LocalServer, list[str | None]],
) -> None:
    server, _ = tls_server
    resolver = FakeResolver({"images.test": ["127.0.0.1"]})
    with pytest.raises(FetchError) as info:
        Fetcher(ALLOW_LOOPBACK, resolver).fetch(server.url("/", host="images.test"))
    assert info.value.reason == "connection_failed"
    assert "certificate" in info.value.message.lower()
