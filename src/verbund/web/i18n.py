"""The language of a request and its message catalogue (``locale/``, message ids in English,
German the default): for the pages, and for the answers of :mod:`verbund.web.auth` that people
read on them."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from babel.support import NullTranslations, Translations
from starlette.requests import Request

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "LANG_COOKIE", "gettext_for", "language"]

LOCALES = Path(__file__).parent / "locale"
LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"
LANG_COOKIE = "lang"


@functools.cache
def translations(lang: str) -> NullTranslations:
    return Translations.load(str(LOCALES), [lang], domain="messages")


def language(request: Request) -> str:
    """The ``lang`` cookie, else the best of Accept-Language, else German."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    offers: list[tuple[float, int, str]] = []
    for i, part in enumerate(request.headers.get("accept-language", "").split(",")):
        code, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        offers.append((-quality, i, code.strip().lower()[:2]))
    for _quality, _i, code in sorted(offers):
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


def gettext_for(request: Request) -> Callable[[str], str]:
    return translations(language(request)).gettext
