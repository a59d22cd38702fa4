from __future__ import annotations

import pytest

from federation.httpsig import PrivateKey


@pytest.fixture(scope="session")
def ed_key() -> PrivateKey:
    return PrivateKey.generate_ed25519()


@pytest.fixture(scope="session")
def rsa_key() -> PrivateKey:
    return PrivateKey.generate_rsa(2048)


@pytest.fixture(scope="session")
def other_rsa_key() -> PrivateKey:
    return PrivateKey.generate_rsa(2048)
