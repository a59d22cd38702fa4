"""Which network addresses outgoing federation requests may reach.

A remote instance is only ever contacted at a globally reachable unicast address. Private,
loopback, link-local, multicast, unspecified, reserved, shared (CGNAT), benchmarking and
documentation ranges are refused, and so are IPv6 addresses that embed one of those IPv4
addresses (IPv4-mapped, NAT64, 6to4) and Teredo tunnels. ``forbidden_reason`` combines an
explicit table (so the answer does not depend on the Python version's ``ipaddress`` data)
with ``ipaddress``'s own properties as a backstop.

The only way around the check is an admin allow-list (``AddressPolicy``): networks or host
names, optionally restricted to a port, e.g. ``127.0.0.0/8`` in tests.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeAlias

__all__ = [
    "AddressPolicy",
    "AllowRule",
    "IPAddress",
    "IPNetwork",
    "Resolver",
    "forbidden_reason",
    "ip_literal",
    "normalize_host",
    "parse_allow_rule",
    "resolve_host",
]

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver: TypeAlias = Callable[[str, int], Awaitable[Sequence[IPAddress]]]
"""``(host, port) -> addresses``; raises ``OSError`` when the name does not resolve."""

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

# Order matters only where ranges nest (broadcast before 240/4).
_IPV4_RANGES: tuple[tuple[ipaddress.IPv4Network, str], ...] = (
    (_V4("0.0.0.0/8"), "'this network' (0.0.0.0/8), not a destination"),
    (_V4("10.0.0.0/8"), "private (10.0.0.0/8)"),
    (_V4("100.64.0.0/10"), "shared carrier-grade NAT space (100.64.0.0/10)"),
    (_V4("127.0.0.0/8"), "loopback (127.0.0.0/8)"),
    (_V4("169.254.0.0/16"), "link-local (169.254.0.0/16, where cloud metadata services live)"),
    (_V4("172.16.0.0/12"), "private (172.16.0.0/12)"),
    (_V4("192.0.0.0/24"), "IETF protocol assignments (192.0.0.0/24)"),
    (_V4("192.0.2.0/24"), "documentation (192.0.2.0/24)"),
    (_V4("192.88.99.0/24"), "deprecated 6to4 relay anycast (192.88.99.0/24)"),
    (_V4("192.168.0.0/16"), "private (192.168.0.0/16)"),
    (_V4("198.18.0.0/15"), "benchmarking (198.18.0.0/15)"),
    (_V4("198.51.100.0/24"), "documentation (198.51.100.0/24)"),
    (_V4("203.0.113.0/24"), "documentation (203.0.113.0/24)"),
    (_V4("224.0.0.0/4"), "multicast (224.0.0.0/4)"),
    (_V4("255.255.255.255/32"), "broadcast (255.255.255.255)"),
    (_V4("240.0.0.0/4"), "reserved (240.0.0.0/4)"),
)

_IPV6_RANGES: tuple[tuple[ipaddress.IPv6Network, str], ...] = (
    (_V6("::/128"), "unspecified (::)"),
    (_V6("::1/128"), "loopback (::1)"),
    (_V6("::/96"), "deprecated IPv4-compatible (::/96)"),
    (_V6("64:ff9b:1::/48"), "local-use NAT64 (64:ff9b:1::/48)"),
    (_V6("100::/64"), "discard-only (100::/64)"),
    (_V6("2001:2::/48"), "benchmarking (2001:2::/48)"),
    (_V6("2001:db8::/32"), "documentation (2001:db8::/32)"),
    (_V6("2001:10::/28"), "deprecated ORCHID (2001:10::/28)"),
    (_V6("3fff::/20"), "documentation (3fff::/20)"),
    (_V6("5f00::/16"), "SRv6 segment identifiers (5f00::/16)"),
    (_V6("fc00::/7"), "unique local, i.e. private (fc00::/7)"),
    (_V6("fe80::/10"), "link-local (fe80::/10)"),
    (_V6("fec0::/10"), "deprecated site-local (fec0::/10)"),
    (_V6("ff00::/8"), "multicast (ff00::/8)"),
)

_NAT64 = _V6("64:ff9b::/96")
_TEREDO = _V6("2001::/32")


def forbidden_reason(address: IPAddress) -> str | None:
    """Why ``address`` must not be contacted, or None if it is a public unicast address."""
    if isinstance(address, ipaddress.IPv4Address):
        return _ipv4_reason(address)
    return _ipv6_reason(address)


def _ipv4_reason(address: ipaddress.IPv4Address) -> str | None:
    for network, reason in _IPV4_RANGES:
        if address in network:
            return reason
    if not address.is_global:
        return "not globally reachable (IANA special-purpose range)"
    return None


def _ipv6_reason(address: ipaddress.IPv6Address) -> str | None:
    # Addresses that carry an IPv4 address are as reachable as the address they carry.
    embedded: tuple[str, ipaddress.IPv4Address] | None = None
    if address.ipv4_mapped is not None:
        embedded = ("IPv4-mapped", address.ipv4_mapped)
    elif address in _NAT64:
        embedded = ("NAT64 (64:ff9b::/96)", ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    elif address.sixtofour is not None:
        embedded = ("6to4 (2002::/16)", address.sixtofour)
    if embedded is not None:
        kind, inner = embedded
        inner_reason = _ipv4_reason(inner)
        if inner_reason is None:
            return None
        return f"{kind} address embedding {inner}, which is {inner_reason}"

    if address in _TEREDO:
        teredo = address.teredo
        client = f" to {teredo[1]}" if teredo is not None else ""
        return f"Teredo tunnel (2001::/32){client}"
    plain = ipaddress.IPv6Address(int(address))  # drop any %scope before the table look-up
    for network, reason in _IPV6_RANGES:
        if plain in network:
            return reason
    if not plain.is_global:
        return "not globally reachable (IANA special-purpose range)"
    return None


def ip_literal(host: str) -> IPAddress | None:
    """The address if ``host`` is an IP literal (IPv6 with or without brackets), else None."""
    candidate = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        return None


def normalize_host(host: str) -> str:
    """Lower-case, without brackets or a trailing dot: the form policies compare."""
    host = host.strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host.rstrip(".")


_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_HOSTNAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")


@dataclass(frozen=True, slots=True)
class AllowRule:
    """One admin allow-list entry: a network or a host name, optionally only on one port."""

    network: IPNetwork | None = None
    hostname: str | None = None
    port: int | None = None

    def matches(self, host: str, address: IPAddress, port: int) -> bool:
        """Whether connecting to ``address``:``port`` for ``host`` is covered by this rule."""
        if self.port is not None and self.port != port:
            return False
        if self.network is not None:
            plain: IPAddress = address
            if isinstance(address, ipaddress.IPv6Address) and address.scope_id is not None:
                plain = ipaddress.IPv6Address(int(address))
            return plain.version == self.network.version and plain in self.network
        return self.hostname == normalize_host(host)


def _parse_port(text: str, entry: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"allow-list entry {entry!r}: {text!r} is not a port number (1-65535)")
    return int(text)


def _parse_network(text: str, entry: str) -> IPNetwork:
    try:
        return ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        raise ValueError(f"allow-list entry {entry!r}: {exc}") from exc


def parse_allow_rule(entry: str) -> AllowRule:
    """Parse an allow-list entry.

    Accepted forms: ``10.0.0.0/8``, ``127.0.0.1``, ``127.0.0.1:8443``, ``::1``, ``fd00::/8``,
    ``[::1]:8443``, ``[fd00::/8]:443``, ``coop.internal``, ``coop.internal:8443``.
    Raises ``ValueError`` with a message naming the bad entry.
    """
    text = entry.strip()
    if not text:
        raise ValueError("allow-list entry is empty")
    if text.startswith("["):
        inner, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(f"allow-list entry {entry!r}: expected [IPv6] or [IPv6]:port")
        port = _parse_port(rest[1:], entry) if rest else None
        return AllowRule(network=_parse_network(inner, entry), port=port)
    try:
        return AllowRule(network=ipaddress.ip_network(text, strict=True))
    except ValueError:
        pass
    base, colon, tail = text.rpartition(":")
    port = None
    if colon:
        port = _parse_port(tail, entry)
        text = base
    if text[:1].isdigit() and ("/" in text or ip_literal(text) is not None):
        return AllowRule(network=_parse_network(text, entry), port=port)
    host = normalize_host(text)
    if ":" in host or "/" in host or not _HOSTNAME.match(host):
        raise ValueError(
            f"allow-list entry {entry!r} is neither a network (10.0.0.0/8, [::1]:8443) "
            "nor an ASCII host name (coop.internal:8443); write IDN hosts in punycode"
        )
    return AllowRule(hostname=host, port=port)


class AddressPolicy:
    """Decides whether a resolved address may be connected to.

    Public unicast addresses always may; anything else only when an allow-list rule covers it.
    """

    def __init__(self, allow: Iterable[str | AllowRule] = ()) -> None:
        self._rules = tuple(
            rule if isinstance(rule, AllowRule) else parse_allow_rule(rule) for rule in allow
        )

    @property
    def rules(self) -> tuple[AllowRule, ...]:
        return self._rules

    def refusal(self, host: str, address: IPAddress, port: int) -> str | None:
        """Why connecting to ``address``:``port`` (resolved from ``host``) is refused, or None."""
        if any(rule.matches(host, address, port) for rule in self._rules):
            return None
        reason = forbidden_reason(address)
        if reason is None:
            return None
        if self._rules:
            return f"{reason}; not covered by the allow-list"
        return reason


async def resolve_host(host: str, port: int) -> list[IPAddress]:
    """Resolve ``host`` with the running loop's ``getaddrinfo``; IPv4/IPv6 only, deduplicated."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[IPAddress] = []
    for family, _type, _proto, _canonname, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address = ipaddress.ip_address(str(sockaddr[0]))
        if address not in addresses:
            addresses.append(address)
    return addresses
