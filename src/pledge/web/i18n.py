"""zh-CN is the default language; English on request. Messages live in .po files read with
Babel; msgids are English. locales/{lang}.po holds the shared messages; a domain may keep its
own in locales/{lang}.{domain}.po (merged; a msgid defined twice is an error)."""

from __future__ import annotations

import re
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


# Error details are English sentences with values in them ("only 3 left of 芍药 (粉玉奴)"). The
# catalog may hold a detail as a pattern whose msgid starts with "detail: " and names the values
# ("detail: only {n} left of {title} ({name})"); the translation reuses them by name.
DETAIL = "detail: "


@cache
def _detail_patterns(lang: str) -> list[tuple[re.Pattern[str], str]]:
    patterns = []
    for msgid, text in catalog(lang).items():
        if msgid.startswith(DETAIL):
            parts = re.split(r"\{(\w+)\}", msgid.removeprefix(DETAIL))
            regex = "".join(f"(?P<{part}>.+?)" if i % 2 else re.escape(part) for i, part in enumerate(parts))
            patterns.append((re.compile(f"^{regex}$", re.DOTALL), text))
    return patterns


def translate_detail(lang: str, detail: str) -> str | None:
    """An error detail in `lang`: the catalog's exact entry, or its pattern with the values put
    back; None when the catalog has neither (the caller then says it more generally)."""
    if lang == "en":
        return detail
    messages = catalog(lang if lang in LANGUAGES else DEFAULT)
    if detail in messages:
        return messages[detail]
    for pattern, text in _detail_patterns(lang):
        found = pattern.match(detail)
        if found:  # a value that names a form field reads as the field's label ("field.city")
            values = {k: messages.get(f"field.{v}", v) for k, v in found.groupdict().items()}
            return text.format(**values)
    return None
