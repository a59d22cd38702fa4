"""Loopback servers, a connect spy, a table resolver and a client factory for these tests."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import socket
import ssl
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from federation.net import SafeClient, create_safe_client

from .loopback import LoopbackServer, TLSPair


@pytest.fixture
async def server() -> AsyncIterator[LoopbackServer]:
    srv = LoopbackServer()
    await srv.start()
    try:
        yield srv
    finally:
        await srv.stop()


@pytest.fixture
async def other_server() -> AsyncIterator[LoopbackServer]:
    srv = LoopbackServer()
    await srv.start()
    try:
        yield srv
    finally:
        await srv.stop()


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every TCP connect the safe transport makes, as (host, port); non-loopback connects are
    refused here as a second safety net, so a bug can never send traffic off this machine."""
    calls: list[tuple[str, int]] = []
    real_connect = asyncio.open_connection

    async def spy(remote_host: Any, remote_port: int, **kwargs: Any) -> Any:
        calls.append((str(remote_host), remote_port))
        if not ipaddress.ip_address(str(remote_host)).is_loopback:
            raise OSError(f"test spy: refusing to connect to {remote_host}")
        return await real_connect(remote_host, remote_port, **kwargs)

    monkeypatch.setattr(asyncio, "open_connection", spy)
    return calls


@pytest.fixture
async def make_client() -> AsyncIterator[Callable[..., SafeClient]]:
    """``make_client(**create_safe_client kwargs)``; every client is closed after the test."""
    clients: list[SafeClient] = []

    def factory(**kwargs: Any) -> SafeClient:
        kwargs.setdefault("user_agent", "coopfed-test/1.0")
        client = create_safe_client(**kwargs)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.aclose()


@pytest.fixture
def static_resolver() -> Callable[[dict[str, list[str]]], Any]:
    """``static_resolver({"name": ["addr", ...]})``: a resolver answering from a table;
    unknown names fail the way NXDOMAIN does. No DNS traffic."""

    def build(table: dict[str, list[str]]) -> Any:
        async def resolve(host: str, port: int) -> list[Any]:
            if host not in table:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return [ipaddress.ip_address(a) for a in table[host]]

        return resolve

    return build


@pytest.fixture(scope="session")
def tls_for_localhost(tmp_path_factory: pytest.TempPathFactory) -> TLSPair:
    """A throw-away CA and a certificate for the name ``localhost`` only (no IP SAN)."""
    now = datetime.datetime.now(datetime.UTC)

    def cert(subject: str, issuer: str, key: Any, signer: Any, *, ca: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
        else:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False
            ).add_extension(
                x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = cert("coopfed test CA", "coopfed test CA", ca_key, ca_key, ca=True)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf_cert = cert("localhost", "coopfed test CA", leaf_key, ca_key, ca=False)

    folder = tmp_path_factory.mktemp("tls")
    (folder / "leaf.pem").write_bytes(leaf_cert.public_bytes(serialization.Encoding.PEM))
    (folder / "leaf.key").write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(folder / "leaf.pem", folder / "leaf.key")
    client_ctx = ssl.create_default_context(
        cadata=ca_cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
    )
    return TLSPair(server=server_ctx, client=client_ctx)


@pytest.fixture
async def tls_server(tls_for_localhost: TLSPair) -> AsyncIterator[LoopbackServer]:
    srv = LoopbackServer()
    await srv.start(ssl_context=tls_for_localhost.server)
    try:
        yield srv
    finally:
        await srv.stop()
