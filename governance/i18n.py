"""Marks user-facing domain messages for translation without depending on any i18n library.

Messages are ``%(name)s`` templates: :func:`N_` returns its argument unchanged, and the text
extractor (Babel, keyword ``N_``) collects them into the catalogues. The web layer translates the
template and then fills in the parameters.
"""

from __future__ import annotations


def N_(message: str) -> str:
    return message
