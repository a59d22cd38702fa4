"""Discovery documents: WebFinger (RFC 7033), NodeInfo 2.1 and host-meta (RFC 6415).

Pure functions: the web routes look the actor up and count the usage figures, and pass plain
values in. Other servers find a co-op from ``coop@its.domain`` like this:

    GET /.well-known/webfinger?resource=acct:coop@its.domain
      -> JRD: subject, aliases, a ``self`` link to the actor (application/activity+json)
    GET {actor}  (Accept: application/activity+json)
      -> the Organization document, with its keys
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Final
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import quoteattr

from federation.actor import AS2_MEDIA_TYPE, LocalUrls

__all__ = [
    "HOST_META_MEDIA_TYPE",
    "JRD_MEDIA_TYPE",
    "NODEINFO_21_MEDIA_TYPE",
    "NODEINFO_21_REL",
    "PROFILE_PAGE_REL",
    "SOFTWARE_NAME",
    "BadResource",
    "ForeignResource",
    "ResourceError",
    "Usage",
    "host_meta_json",
    "host_meta_xml",
    "nodeinfo_document",
    "nodeinfo_links",
    "parse_resource",
    "software_version",
    "user_agent",
    "webfinger_document",
]

SOFTWARE_NAME: Final = "coopfed"  # NodeInfo requires ^[a-z0-9-]+$
JRD_MEDIA_TYPE: Final = "application/jrd+json"
HOST_META_MEDIA_TYPE: Final = "application/xrd+xml"
PROFILE_PAGE_REL: Final = "http://webfinger.net/rel/profile-page"
NODEINFO_21_REL: Final = "http://nodeinfo.diaspora.software/ns/schema/2.1"
NODEINFO_21_MEDIA_TYPE: Final = f'application/json; profile="{NODEINFO_21_REL}#"'

_MAX_RESOURCE: Final = 512
_WHITESPACE: Final = re.compile(r"\s")


class ResourceError(Exception):
    """A WebFinger ``resource`` we cannot answer for."""


class BadResource(ResourceError):
    """Missing or malformed: 400 Bad Request (RFC 7033 section 4.2)."""


class ForeignResource(ResourceError):
    """Well formed, but not one of ours (another host, not an actor URL): 404."""


def parse_resource(resource: str | None, urls: LocalUrls) -> str:
    """The local actor name a WebFinger ``resource`` asks about.

    Accepts ``acct:name@domain`` (RFC 7565; the user part may be percent-encoded; also
    without the ``acct:`` scheme, as some servers send it) and our actor URLs. Names are
    compared lower-case, the domain too. Raises ``BadResource`` or ``ForeignResource``; whether
    an actor by that name exists is for the caller to check.
    """
    if resource is None or not resource.strip():
        raise BadResource("the resource parameter is required")
    resource = resource.strip()
    if len(resource) > _MAX_RESOURCE or _WHITESPACE.search(resource):
        raise BadResource("the resource is too long or contains white space")
    scheme = resource.split(":", 1)[0].lower() if ":" in resource else ""
    if scheme in ("http", "https"):
        return _name_from_url(resource, urls)
    if scheme == "acct":
        account = resource[len("acct:") :]
    elif "@" in resource and "/" not in resource and (not scheme or "@" in scheme):
        account = resource.removeprefix("@")  # "name@domain" or "@name@domain"
    else:
        raise BadResource(f"unsupported resource {resource!r}: use acct:name@domain")
    user, at, host = account.rpartition("@")
    user = unquote(user)
    if not at or not user or not host or "@" in user:
        raise BadResource(f"malformed account {account!r}: use acct:name@domain")
    if host.lower() != urls.domain:
        raise ForeignResource(f"{host} is not this instance's domain")
    return user.lower()


def _name_from_url(url: str, urls: LocalUrls) -> str:
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise BadResource(f"malformed URL {url!r}") from exc
    if parts.netloc.lower() != urls.domain:
        raise ForeignResource(f"{parts.netloc} is not this instance's domain")
    ours = urlsplit(urls.base_url)
    normalized = f"{ours.scheme}://{ours.netloc}{parts.path}"
    name = urls.actor_name(normalized)
    if name is None or parts.query:
        raise ForeignResource(f"{url} is not an actor of this instance")
    return name


def webfinger_document(name: str, urls: LocalUrls, rels: Collection[str] = ()) -> dict[str, Any]:
    """The JRD for actor ``name``: ``subject`` is its acct URI, ``aliases`` its actor URL.

    ``rels`` filters the links (RFC 7033 section 4.3); empty means all of them.
    """
    actor_url = urls.actor(name)
    links: list[dict[str, str]] = [
        {"rel": "self", "type": AS2_MEDIA_TYPE, "href": actor_url},
        {"rel": PROFILE_PAGE_REL, "type": "text/html", "href": urls.profile(name)},
    ]
    if rels:
        wanted = set(rels)
        links = [link for link in links if link["rel"] in wanted]
    aliases = list(dict.fromkeys([actor_url, urls.profile(name)]))
    return {"subject": urls.acct(name), "aliases": aliases, "links": links}


def host_meta_xml(urls: LocalUrls) -> str:
    """host-meta (RFC 6415): where the WebFinger (LRDD) endpoint is."""
    template = quoteattr(f"{urls.base_url}/.well-known/webfinger?resource={{uri}}")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" type="{JRD_MEDIA_TYPE}" template={template}/>\n'
        "</XRD>\n"
    )


def host_meta_json(urls: LocalUrls) -> dict[str, Any]:
    """host-meta.json (RFC 6415 appendix A)."""
    return {
        "links": [
            {
                "rel": "lrdd",
                "type": JRD_MEDIA_TYPE,
                "template": f"{urls.base_url}/.well-known/webfinger?resource={{uri}}",
            }
        ]
    }


def nodeinfo_links(urls: LocalUrls) -> dict[str, Any]:
    """``/.well-known/nodeinfo``: the schema versions offered and where."""
    return {"links": [{"rel": NODEINFO_21_REL, "href": f"{urls.base_url}/nodeinfo/2.1"}]}


@dataclass(frozen=True)
class Usage:
    """NodeInfo usage figures (all non-negative)."""

    users_total: int
    users_active_month: int
    users_active_halfyear: int
    local_posts: int


def nodeinfo_document(
    *, version: str, usage: Usage, node_name: str, node_description: str = ""
) -> dict[str, Any]:
    """NodeInfo 2.1 (http://nodeinfo.diaspora.software/ns/schema/2.1).

    Registrations are never open: members join by invitation and a vote.
    """
    return {
        "version": "2.1",
        "software": {
            "name": SOFTWARE_NAME,
            "version": version,
        },
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": False,
        "usage": {
            "users": {
                "total": usage.users_total,
                "activeMonth": usage.users_active_month,
                "activeHalfyear": usage.users_active_halfyear,
            },
            "localPosts": usage.local_posts,
        },
        "metadata": {"nodeName": node_name, "nodeDescription": node_description},
    }


def software_version() -> str:
    """The installed coopfed version ("0.0.0" when run from a tree that is not installed)."""
    try:
        return metadata.version(SOFTWARE_NAME)
    except metadata.PackageNotFoundError:
        return "0.0.0"


def user_agent(base_url: str, version: str) -> str:
    """The User-Agent of outgoing federation requests: software, version and who to ask."""
    return f"{SOFTWARE_NAME}/{version} (+{base_url.rstrip('/')}/)"
