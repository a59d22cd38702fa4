"""Address classification and the admin allow-list. Pure functions: nothing connects."""

from __future__ import annotations

import ipaddress

import pytest

from federation.net import AddressPolicy, AllowRule, forbidden_reason, parse_allow_rule

FORBIDDEN = [
    # address, a word the reason must contain
    ("10.0.0.1", "private"),
    ("10.255.255.255", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.254", "private"),
    ("192.168.1.1", "private"),
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("0.0.0.0", "this network"),
    ("0.1.2.3", "this network"),
    ("169.254.169.254", "link-local"),
    ("169.254.0.1", "link-local"),
    ("100.64.0.1", "shared"),
    ("100.127.255.254", "shared"),
    ("192.0.0.8", "IETF"),
    ("192.0.2.10", "documentation"),
    ("198.51.100.7", "documentation"),
    ("203.0.113.200", "documentation"),
    ("198.18.0.1", "benchmarking"),
    ("198.19.255.1", "benchmarking"),
    ("192.88.99.1", "6to4 relay"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "broadcast"),
    ("::", "unspecified"),
    ("::1", "loopback"),
    ("::127.0.0.1", "IPv4-compatible"),
    ("fe80::1", "link-local"),
    ("fe80::1%1", "link-local"),
    ("febf:ffff::1", "link-local"),
    ("fc00::1", "unique local"),
    ("fd12:3456:789a::1", "unique local"),
    ("fec0::1", "site-local"),
    ("ff02::1", "multicast"),
    ("ff0e::1", "multicast"),
    ("100::1", "discard"),
    ("2001:db8::1", "documentation"),
    ("3fff::1", "documentation"),
    ("2001:2::1", "benchmarking"),
    ("2001:10::1", "ORCHID"),
    ("5f00::1", "SRv6"),
    ("64:ff9b:1::1", "NAT64"),
    # IPv6 forms that carry a forbidden IPv4 address
    ("::ffff:127.0.0.1", "IPv4-mapped"),
    ("::ffff:10.0.0.1", "IPv4-mapped"),
    ("::ffff:169.254.169.254", "link-local"),
    ("64:ff9b::a00:1", "NAT64"),  # 10.0.0.1
    ("64:ff9b::7f00:1", "loopback"),  # 127.0.0.1
    ("2002:7f00:1::1", "6to4"),  # 127.0.0.1
    ("2002:7f00:1:ffff::", "loopback"),
    ("2002:a00:1::1", "private"),  # 10.0.0.1
    ("2002:a9fe:a9fe::1", "link-local"),  # 169.254.169.254
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),
    ("2001::1", "Teredo"),
]

PUBLIC = [
    "93.184.216.34",
    "1.1.1.1",
    "8.8.8.8",
    "100.63.255.255",  # just below shared space
    "100.128.0.1",  # just above it
    "172.15.255.255",
    "172.32.0.1",
    "169.253.255.255",
    "198.17.255.255",
    "2606:4700::1",
    "2a00:1450:4001:80b::200e",
    "::ffff:93.184.216.34",  # IPv4-mapped public
    "64:ff9b::5db8:d822",  # NAT64 of 93.184.216.34
    "2002:5db8:d822::1",  # 6to4 of 93.184.216.34
]


@pytest.mark.parametrize(("address", "word"), FORBIDDEN)
def test_forbidden_reason__special_purpose_address_is_refused(address: str, word: str) -> None:
    reason = forbidden_reason(ipaddress.ip_address(address))
    assert reason is not None, address
    assert word.lower() in reason.lower()


@pytest.mark.parametrize("address", PUBLIC)
def test_forbidden_reason__public_unicast_address_is_allowed(address: str) -> None:
    assert forbidden_reason(ipaddress.ip_address(address)) is None


def test_forbidden_reason__mapped_address_names_the_embedded_address() -> None:
    reason = forbidden_reason(ipaddress.ip_address("::ffff:10.1.2.3"))
    assert reason is not None
    assert "10.1.2.3" in reason and "private (10.0.0.0/8)" in reason


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("127.0.0.0/8", AllowRule(network=ipaddress.ip_network("127.0.0.0/8"))),
        ("127.0.0.1", AllowRule(network=ipaddress.ip_network("127.0.0.1/32"))),
        ("127.0.0.1:8443", AllowRule(network=ipaddress.ip_network("127.0.0.1/32"), port=8443)),
        ("10.0.0.0/8:443", AllowRule(network=ipaddress.ip_network("10.0.0.0/8"), port=443)),
        ("::1", AllowRule(network=ipaddress.ip_network("::1/128"))),
        ("fd00::/8", AllowRule(network=ipaddress.ip_network("fd00::/8"))),
        ("[::1]:8443", AllowRule(network=ipaddress.ip_network("::1/128"), port=8443)),
        ("[fd00::/8]:443", AllowRule(network=ipaddress.ip_network("fd00::/8"), port=443)),
        ("Coop.Internal.", AllowRule(hostname="coop.internal")),
        ("coop.internal:8080", AllowRule(hostname="coop.internal", port=8080)),
        ("localhost", AllowRule(hostname="localhost")),
    ],
)
def test_parse_allow_rule__accepted_forms(entry: str, expected: AllowRule) -> None:
    assert parse_allow_rule(entry) == expected


@pytest.mark.parametrize(
    "entry",
    [
        "",
        "  ",
        "10.0.0.1/8",
        "127.0.0.1:0",
        "127.0.0.1:70000",
        "host:http",
        "[::1",
        "[::1]x",
        "a b",
        "bücher.example",
        "http://host/",
        "10.0.0.0/33",
    ],
)
def test_parse_allow_rule__malformed_entry_raises_value_error(entry: str) -> None:
    with pytest.raises(ValueError, match="allow-list entry"):
        parse_allow_rule(entry)


def test_address_policy__without_allow_list_refuses_loopback() -> None:
    policy = AddressPolicy()
    reason = policy.refusal("localhost", ipaddress.ip_address("127.0.0.1"), 80)
    assert reason is not None and "loopback" in reason


def test_address_policy__allow_listed_network_lets_loopback_through() -> None:
    policy = AddressPolicy(["127.0.0.0/8"])
    assert policy.refusal("localhost", ipaddress.ip_address("127.0.0.1"), 80) is None
    # only the listed network: ::1 and 10/8 stay forbidden
    assert policy.refusal("localhost", ipaddress.ip_address("::1"), 80) is not None
    reason = policy.refusal("x", ipaddress.ip_address("10.0.0.1"), 80)
    assert reason is not None and "not covered by the allow-list" in reason


def test_address_policy__allow_listed_port_covers_only_that_port() -> None:
    policy = AddressPolicy(["127.0.0.1:8443"])
    assert policy.refusal("127.0.0.1", ipaddress.ip_address("127.0.0.1"), 8443) is None
    assert policy.refusal("127.0.0.1", ipaddress.ip_address("127.0.0.1"), 8444) is not None


def test_address_policy__allow_listed_host_name_covers_its_addresses_only() -> None:
    policy = AddressPolicy(["coop.internal"])
    assert policy.refusal("COOP.internal.", ipaddress.ip_address("10.1.1.1"), 443) is None
    assert policy.refusal("other.internal", ipaddress.ip_address("10.1.1.1"), 443) is not None


def test_address_policy__public_addresses_need_no_allow_list() -> None:
    assert (
        AddressPolicy().refusal("example.com", ipaddress.ip_address("93.184.216.34"), 443) is None
    )
