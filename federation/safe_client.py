"""The safe outgoing HTTP client; the implementation lives in ``federation.net``.

This module is the stable import path: ``from federation.safe_client import create_safe_client``.
"""

from federation.net import *  # noqa: F403
from federation.net import __all__ as __all__
