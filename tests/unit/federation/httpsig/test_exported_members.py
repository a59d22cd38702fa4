"""The public surface is exactly `__all__`."""

from __future__ import annotations

import federation.httpsig as httpsig


def test_exported_members__all_names_exist_and_are_sorted() -> None:
    for name in httpsig.__all__:
        assert hasattr(httpsig, name), name
    assert httpsig.__all__ == sorted(httpsig.__all__, key=str)


def test_exported_members__nothing_public_is_left_out() -> None:
    modules = {"auth", "cavage", "check", "digest", "errors", "httpdate", "keys", "message"}
    modules |= {"ratelimit", "rfc9421", "sfv"}
    public = {name for name in vars(httpsig) if not name.startswith("_")}
    assert public - modules == set(httpsig.__all__)
