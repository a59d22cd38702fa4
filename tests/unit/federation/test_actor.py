"""Actor documents, content negotiation and the URL layout, as pure functions."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives import serialization

from federation.actor import (
    AS2_MEDIA_TYPE,
    LD_AS2_MEDIA_TYPE,
    LocalUrls,
    PublishedKeys,
    iso_time,
    member_to_as,
    negotiate,
    ordered_collection,
    ordered_collection_page,
    organization_to_as,
)
from federation.context import (
    ACTIVITYSTREAMS,
    AS_PUBLIC,
    MULTIKEY_V1,
    NAMESPACE,
    SECURITY_V1,
    coopfed_context,
)
from federation.httpsig import PrivateKey, PublicKey
from federation.multikey import ed25519_from_multibase, ed25519_multibase
from federation.rotation import actor_update, fingerprint
from governance.instance import Instance
from governance.member import Member, Status

BASE = "https://coop.example"
URLS = LocalUrls.of(BASE + "/")
CREATED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
ADMITTED = datetime(2026, 4, 2, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def rsa_key() -> PrivateKey:
    return PrivateKey.generate_rsa()


@pytest.fixture(scope="module")
def ed_key() -> PrivateKey:
    return PrivateKey.generate_ed25519()


@pytest.fixture(scope="module")
def published(rsa_key: PrivateKey, ed_key: PrivateKey) -> PublishedKeys:
    raw = ed_key.public_key.raw
    return PublishedKeys(
        rsa_public_pem=rsa_key.public_key.to_pem(),
        ed25519_multibase=ed25519_multibase(raw),  # type: ignore[arg-type]
        row_ids=frozenset({1, 2}),
    )


def _coop(name: str = "Tech Co-op", description: str = "") -> Instance:
    return Instance(id=1, name=name, description=description, created_at=CREATED)


def _member(**overrides: object) -> Member:
    values: dict[str, object] = {
        "id": 7,
        "email": "bea@example.org",
        "username": "bea",
        "display_name": "Béa Martin",
        "status": Status.MEMBER,
        "created_at": CREATED,
        "admitted_at": ADMITTED,
    }
    values.update(overrides)
    return Member(**values)


# --- the co-op's Organization -----------------------------------------------------------------


def test_organization__has_every_actor_field(published: PublishedKeys) -> None:
    doc = organization_to_as(_coop(), published, URLS)
    actor = f"{BASE}/actors/coop"
    assert doc["@context"] == [ACTIVITYSTREAMS, SECURITY_V1, MULTIKEY_V1, f"{BASE}/ns/coopfed"]
    assert doc["id"] == actor
    assert doc["type"] == "Organization"
    assert doc["preferredUsername"] == "coop"
    assert doc["name"] == "Tech Co-op"
    assert doc["url"] == actor  # the HTML profile, by content negotiation
    assert doc["inbox"] == f"{actor}/inbox"
    assert doc["outbox"] == f"{actor}/outbox"
    assert doc["followers"] == f"{actor}/followers"
    assert doc["following"] == f"{actor}/following"
    assert doc["endpoints"] == {"sharedInbox": f"{BASE}/inbox"}
    assert doc["manuallyApprovesFollowers"] is False
    assert doc["discoverable"] is True
    assert doc["published"] == "2026-03-01T09:30:00Z"
    assert doc["publicKey"] == {
        "id": f"{actor}#main-key",
        "owner": actor,
        "publicKeyPem": published.rsa_public_pem,
    }
    assert doc["assertionMethod"] == [
        {
            "id": f"{actor}#ed25519-key",
            "type": "Multikey",
            "controller": actor,
            "publicKeyMultibase": published.ed25519_multibase,
        }
    ]


def test_organization__public_key_pem_verifies_the_instance_rsa_signature(
    published: PublishedKeys, rsa_key: PrivateKey
) -> None:
    doc = organization_to_as(_coop(), published, URLS)
    key = PublicKey.from_pem(doc["publicKey"]["publicKeyPem"])
    assert key.kind == "rsa"
    assert key.raw.key_size == 2048  # type: ignore[union-attr]
    signature = rsa_key.sign("rsa-v1_5-sha256", b"hello")
    assert key.verify("rsa-v1_5-sha256", b"hello", signature)


def test_organization__multikey_verifies_the_instance_ed25519_signature(
    published: PublishedKeys, ed_key: PrivateKey
) -> None:
    doc = organization_to_as(_coop(), published, URLS)
    key = ed25519_from_multibase(doc["assertionMethod"][0]["publicKeyMultibase"])
    key.verify(ed_key.sign("ed25519", b"ballot"), b"ballot")  # raises when wrong


def test_organization__summary_is_the_description_as_safe_html(published: PublishedKeys) -> None:
    doc = organization_to_as(
        _coop(description="We **build** software.\n\n<script>alert(1)</script>"), published, URLS
    )
    assert "<strong>build</strong>" in doc["summary"]
    assert "<script>" not in doc["summary"]


def test_organization__before_setup_is_named_after_the_domain(published: PublishedKeys) -> None:
    doc = organization_to_as(None, published, URLS)
    assert doc["name"] == "coop.example"
    assert doc["summary"] == ""
    assert "published" not in doc


# --- members' Persons -------------------------------------------------------------------------


def test_member__is_a_person_named_by_username(published: PublishedKeys) -> None:
    doc = member_to_as(_member(), published, URLS)
    actor = f"{BASE}/actors/bea"
    assert doc["type"] == "Person"
    assert doc["id"] == actor
    assert doc["preferredUsername"] == "bea"
    assert doc["name"] == "Béa Martin"
    assert doc["inbox"] == f"{actor}/inbox"
    assert doc["endpoints"]["sharedInbox"] == f"{BASE}/inbox"
    assert doc["publicKey"]["id"] == f"{actor}#main-key"
    assert doc["publicKey"]["owner"] == actor
    assert doc["assertionMethod"][0]["controller"] == actor
    assert doc["assertionMethod"][0]["id"] == f"{actor}#ed25519-key"
    assert doc["published"] == "2026-04-02T10:00:00Z"


def test_member__is_not_listed_in_directories(published: PublishedKeys) -> None:
    assert member_to_as(_member(), published, URLS)["discoverable"] is False


def test_member__never_reveals_email_or_role(published: PublishedKeys) -> None:
    doc = member_to_as(_member(), published, URLS)
    assert "bea@example.org" not in repr(doc)
    assert "role" not in doc and "email" not in doc


def test_documents__use_only_terms_their_contexts_define(published: PublishedKeys) -> None:
    """Terms outside ActivityStreams and the security contexts come from ours; a JSON-LD
    processor would drop an undefined one."""
    ours = set(coopfed_context()["@context"])
    from_as2 = {
        "id", "type", "preferredUsername", "name", "summary", "url", "inbox", "outbox",
        "followers", "following", "endpoints", "published",
    }  # fmt: skip
    from_security = {"publicKey"}  # security v1; Multikey's terms are scoped to its type
    for doc in (
        organization_to_as(_coop(), published, URLS),
        member_to_as(_member(), published, URLS),
    ):
        undefined = set(doc) - {"@context"} - from_as2 - from_security - ours
        assert undefined == set()
    assert {"assertionMethod", "discoverable", "manuallyApprovesFollowers"} <= ours
    assert coopfed_context()["@context"]["coopfed"] == NAMESPACE


# --- content negotiation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/activity+json", AS2_MEDIA_TYPE),
        (f"{LD_AS2_MEDIA_TYPE}", LD_AS2_MEDIA_TYPE),
        ("application/ld+json", LD_AS2_MEDIA_TYPE),
        # What Mastodon sends when it fetches an actor:
        (f"application/activity+json, {LD_AS2_MEDIA_TYPE}", AS2_MEDIA_TYPE),
        (f"{LD_AS2_MEDIA_TYPE}, application/activity+json;q=0.9", LD_AS2_MEDIA_TYPE),
        ("application/json", AS2_MEDIA_TYPE),
        ("application/activity+json, text/html;q=0.1", AS2_MEDIA_TYPE),
        ("application/activity+json, text/html", AS2_MEDIA_TYPE),
        # Browsers:
        (
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8",
            None,
        ),
        ("text/html, application/activity+json;q=0.5", None),
        ("application/json, text/html", None),
        ("application/activity+json;q=0", None),
        ("*/*", None),
        ("", None),
        (None, None),
        ("garbage;;q=x", None),
    ],
)
def test_negotiate__picks_as2_for_federation_clients_and_html_for_browsers(
    accept: str | None, expected: str | None
) -> None:
    assert negotiate(accept) == expected


# --- URLs, collections, the Update ------------------------------------------------------------


def test_local_urls__name_actors_keys_and_accounts() -> None:
    urls = LocalUrls.of("http://127.0.0.1:8123/")
    assert urls.domain == "127.0.0.1:8123"
    assert urls.acct("coop") == "acct:coop@127.0.0.1:8123"
    assert urls.actor_name("http://127.0.0.1:8123/actors/bea#main-key") == "bea"
    assert urls.actor_name("http://127.0.0.1:8123/actors/bea/inbox") is None
    assert urls.actor_name("http://other:8123/actors/bea") is None
    assert urls.actor_name("http://127.0.0.1:8123/actors/") is None


def test_collections__are_paged_ordered_collections() -> None:
    outbox = f"{BASE}/actors/coop/outbox"
    assert ordered_collection(outbox, total_items=0) == {
        "@context": ACTIVITYSTREAMS,
        "id": outbox,
        "type": "OrderedCollection",
        "totalItems": 0,
        "first": f"{outbox}?page=1",
    }
    page = ordered_collection_page(outbox, 2, [], has_next=True)
    assert page["type"] == "OrderedCollectionPage"
    assert page["partOf"] == outbox
    assert page["orderedItems"] == []
    assert page["prev"] == f"{outbox}?page=1"
    assert page["next"] == f"{outbox}?page=3"
    assert "prev" not in ordered_collection_page(outbox, 1, [])


def test_actor_update__carries_the_new_document_to_the_public(published: PublishedKeys) -> None:
    doc = organization_to_as(_coop(), published, URLS)
    when = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    update = actor_update(URLS, "coop", doc, now=when, uid="abc")
    assert update["id"] == f"{BASE}/activities/abc"
    assert update["type"] == "Update"
    assert update["actor"] == doc["id"]
    assert update["object"] == {k: v for k, v in doc.items() if k != "@context"}
    assert update["to"] == [AS_PUBLIC]
    assert update["cc"] == [doc["followers"]]
    assert update["published"] == "2026-11-25T12:00:00Z"
    assert update["@context"] == doc["@context"]


def test_fingerprint__is_sha256_of_the_der_public_key(rsa_key: PrivateKey) -> None:
    pem = rsa_key.public_key.to_pem()
    der = rsa_key.public_key.raw.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    expected = base64.b64encode(hashlib.sha256(der).digest()).decode().rstrip("=")
    assert fingerprint(pem) == f"SHA256:{expected}"


def test_iso_time__is_utc_with_a_z() -> None:
    paris = timezone(timedelta(hours=1))
    assert iso_time(datetime(2026, 1, 1, 13, 0, tzinfo=paris)) == "2026-01-01T12:00:00Z"
