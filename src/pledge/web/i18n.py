"""zh-CN is the default language; English on request. Messages live in .po files read with
Babel; msgids are English. locales/{lang}.po holds the shared messages; a domain may keep its
own in locales/{lang}.{domain}.po (merged; a msgid defined twice is an error)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import resources

from babel.messages.pofile import read_po

LANGUAGES = ("zh_CN", "en")
DEFAULT = "zh_CN"


@cache
def catalog(lang: str) -> dict[str, str]:
    # English msgids need no translation, except the codes (statuses, event and filter kinds)
    # that templates pass through _(); en.po names those.
    folder = resources.files("pledge.web") / "locales"
    files = sorted(
        (
            f
            for f in folder.iterdir()
            if f.name == f"{lang}.po" or (f.name.startswith(f"{lang}.") and f.name.endswith(".po"))
        ),
        key=lambda f: f.name,
    )
    merged: dict[str, str] = {}
    for path in files:
        with path.open("rb") as fh:
            po = read_po(fh, locale=lang)
        found = {
            m.id: m.string
            for m in po
            if isinstance(m.id, str) and m.id and isinstance(m.string, str) and m.string
        }
        repeated = merged.keys() & found.keys()
        if repeated:
            raise ValueError(f"{path.name} repeats msgids of another {lang} file: {sorted(repeated)[:5]}")
        merged |= found
    return merged


def translator(lang: str) -> Callable[..., str]:
    messages = catalog(lang if lang in LANGUAGES else DEFAULT)

    def gettext(text: str, **values: object) -> str:
        found = messages.get(text, text)
        return found.format(**values) if values else found

    return gettext


def missing(lang: str, msgids: set[str]) -> set[str]:
    return msgids - catalog(lang).keys()
