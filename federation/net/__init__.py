"""Safe outgoing HTTP for federation: vetted addresses, re-checked redirects, bounded responses.

Start with ``create_safe_client``; see ``federation.net.errors`` for the error tree.
"""

from federation.net.addresses import (
    AddressPolicy,
    AllowRule,
    IPAddress,
    IPNetwork,
    Resolver,
    forbidden_reason,
    parse_allow_rule,
    resolve_host,
)
from federation.net.client import HostPolicy, SafeClient, create_safe_client
from federation.net.document import ACTIVITY_CONTENT_TYPES, OBJECT_ACCEPT
from federation.net.errors import (
    BadContentType,
    BadResponse,
    BlockedHost,
    ConnectionFailed,
    FetchTimeout,
    ForbiddenAddress,
    ForbiddenURL,
    ResponseTooLarge,
    SafeClientError,
    TooManyRedirects,
)
from federation.net.limits import FetchLimits
from federation.net.result import FetchResult
from federation.net.transport import SafeTransport, VettingConnector

__all__ = [
    "ACTIVITY_CONTENT_TYPES",
    "OBJECT_ACCEPT",
    "AddressPolicy",
    "AllowRule",
    "BadContentType",
    "BadResponse",
    "BlockedHost",
    "ConnectionFailed",
    "FetchLimits",
    "FetchResult",
    "FetchTimeout",
    "ForbiddenAddress",
    "ForbiddenURL",
    "HostPolicy",
    "IPAddress",
    "IPNetwork",
    "Resolver",
    "ResponseTooLarge",
    "SafeClient",
    "SafeClientError",
    "SafeTransport",
    "TooManyRedirects",
    "VettingConnector",
    "create_safe_client",
    "forbidden_reason",
    "parse_allow_rule",
    "resolve_host",
]
