"""The JSON-LD contexts coopfed documents name, and coopfed's own context.

Every instance serves the same context document (shipped in the package as
``federation/contexts/coopfed.jsonld``) at ``{base_url}/ns/coopfed``. The URL differs per
instance but the terms do not: they expand to IRIs in one fixed namespace, ``NAMESPACE``, so a
term means the same thing whichever instance's copy a processor read. Nothing here fetches
anything; the context is read from the package once per process.

The context defines the terms coopfed uses that the other contexts named in ``ACTOR_CONTEXT``
leave undefined: ``assertionMethod`` (FEP-521a, from the Security Vocabulary),
``discoverable`` (Mastodon's ``toot:`` namespace) and ``manuallyApprovesFollowers``.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any, Final

__all__ = [
    "ACTIVITYSTREAMS",
    "AS_PUBLIC",
    "CONTEXT_MEDIA_TYPE",
    "CONTEXT_PATH",
    "MULTIKEY_V1",
    "NAMESPACE",
    "SECURITY_V1",
    "actor_context",
    "coopfed_context",
    "coopfed_context_bytes",
]

ACTIVITYSTREAMS: Final = "https://www.w3.org/ns/activitystreams"
SECURITY_V1: Final = "https://w3id.org/security/v1"
MULTIKEY_V1: Final = "https://w3id.org/security/multikey/v1"
AS_PUBLIC: Final = "https://www.w3.org/ns/activitystreams#Public"

# The IRI namespace of coopfed's own terms; fixed for every instance (see the module doc).
NAMESPACE: Final = "https://w3id.org/coopfed/ns#"
CONTEXT_PATH: Final = "/ns/coopfed"
CONTEXT_MEDIA_TYPE: Final = "application/ld+json"


@functools.cache
def coopfed_context_bytes() -> bytes:
    """The shipped context document, as served."""
    return resources.files("federation").joinpath("contexts/coopfed.jsonld").read_bytes()


def coopfed_context() -> dict[str, Any]:
    """The shipped context document, parsed (a fresh copy each call)."""
    document: dict[str, Any] = json.loads(coopfed_context_bytes())
    return document


def actor_context(base_url: str) -> list[str]:
    """``@context`` of actor documents and the activities that carry them: ActivityStreams,
    Security v1 (``publicKey``), Multikey v1 (FEP-521a) and this instance's copy of ours."""
    return [ACTIVITYSTREAMS, SECURITY_V1, MULTIKEY_V1, base_url.rstrip("/") + CONTEXT_PATH]
