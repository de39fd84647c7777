"""Interface language: gettext catalogs in ``fieldkit/locale``, English msgids in the code.

Chinese (zh_CN) is the default language; English is the source language of the
messages. The language comes from ``--lang``, then the config file, then the
locale environment (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``), then
Chinese. The catalogs are ``fieldkit/locale/<lang>/LC_MESSAGES/fieldkit.po``; the
compiled ``.mo`` files are shipped beside them and rebuilt with
``python -m fieldkit.locale.catalog`` (pure Python, no GNU gettext needed), which
also adds new msgids found in the code to every catalog.
"""

from __future__ import annotations

import gettext as _gettext
import os
from collections.abc import Mapping
from pathlib import Path

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "current_language",
    "gettext",
    "resolve_language",
    "set_language",
]

DOMAIN = "fieldkit"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("zh", "en")
_CATALOG_NAMES = {"zh": "zh_CN", "en": "en"}

_current = "zh"
_translations: _gettext.NullTranslations = _gettext.NullTranslations()


def resolve_language(
    cli: str | None, config: str | None, environ: Mapping[str, str] | None = None
) -> str:
    """Pick the interface language: ``--lang``, then the config, then the locale, then zh."""
    for choice in (cli, config):
        if choice in LANGUAGES:
            return str(choice)
    env = os.environ if environ is None else environ
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "").lower()
        if value.startswith("zh"):
            return "zh"
        if value.startswith("en"):
            return "en"
    return "zh"


def set_language(lang: str) -> None:
    """Switch every later :func:`gettext` call to ``lang`` ("zh" or "en")."""
    global _current, _translations
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    _current = lang
    _translations = _gettext.translation(
        DOMAIN, localedir=LOCALE_DIR, languages=[_CATALOG_NAMES[lang]], fallback=True
    )


def current_language() -> str:
    """The language set by :func:`set_language` ("zh" by default)."""
    return _current


def gettext(message: str) -> str:
    """Translate ``message`` (an English msgid) into the current language."""
    return _translations.gettext(message)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogs without translating it now (translate on use)."""
    return message


set_language("zh")
