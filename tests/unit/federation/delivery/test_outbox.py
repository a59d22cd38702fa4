"""Recipients: shared inboxes folded, each inbox once; hosts as deliveries group them."""

from __future__ import annotations

import pytest

from federation.delivery.outbox import BadInbox, Recipient, fold_shared_inboxes, host_key


def test_fold_shared_inboxes__one_post_per_server_with_a_shared_inbox() -> None:
    recipients = [
        Recipient("https://a.example/users/1/inbox", "https://a.example/inbox"),
        Recipient("https://a.example/users/2/inbox", "https://a.example/inbox"),
        Recipient("https://b.example/users/x/inbox"),
        Recipient("https://b.example/users/x/inbox"),
        Recipient("https://c.example/u/y/inbox", None),
    ]
    assert fold_shared_inboxes(recipients) == [
        "https://a.example/inbox",
        "https://b.example/users/x/inbox",
        "https://c.example/u/y/inbox",
    ]


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://Coop.Example/inbox", "coop.example"),
        ("http://127.0.0.1:8443/inbox", "127.0.0.1:8443"),
        ("https://[::1]:9000/inbox", "[::1]:9000"),
    ],
)
def test_host_key__lower_case_host_and_port(url: str, host: str) -> None:
    assert host_key(url) == host


@pytest.mark.parametrize(
    "url", ["ftp://x.example/inbox", "/inbox", "https:///inbox", "http://x:99999/"]
)
def test_host_key__refuses_what_is_not_an_http_url(url: str) -> None:
    with pytest.raises(BadInbox):
        host_key(url)
