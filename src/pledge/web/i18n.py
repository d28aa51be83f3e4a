"""zh-CN is the default language; English on request. Messages live in .po files read with
Babel; msgids are English."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Callable

from babel.messages.pofile import read_po

LANGUAGES = ("zh_CN", "en")
DEFAULT = "zh_CN"


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    # English msgids need no translation, except the codes (statuses, event and filter kinds)
    # that templates pass through _(); en.po names those.
    with (resources.files("pledge.web") / "locales" / f"{lang}.po").open("rb") as fh:
        po = read_po(fh, locale=lang)
    return {m.id: m.string for m in po if m.id and m.string}


def translator(lang: str) -> Callable[..., str]:
    messages = catalog(lang if lang in LANGUAGES else DEFAULT)

    def gettext(text: str, **values: object) -> str:
        found = messages.get(text, text)
        return found.format(**values) if values else found

    return gettext


def missing(lang: str, msgids: set[str]) -> set[str]:
    return msgids - catalog(lang).keys()
