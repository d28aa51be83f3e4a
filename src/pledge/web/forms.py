"""Small readers for HTML form fields, shared by the pages: a bad field is an InvalidInput
with the field's name, never a 500. Numbers are bounded like the API's (web/types.py) and text
fields are read through the API's own text types, so a page accepts what the API accepts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any, overload

from pydantic import TypeAdapter, ValidationError

from pledge.kernel.errors import InvalidInput
from pledge.kernel.limits import MAX_ID, MAX_PRICE_FEN
from pledge.kernel.money import format_yuan, parse_yuan
from pledge.web.errors import field_message

_ADAPTERS: dict[int, TypeAdapter] = {}


@overload
def whole_number(value: object, name: str, default: int, *, low: int = ..., high: int = ...) -> int: ...
@overload
def whole_number(
    value: object, name: str, default: None = None, *, low: int = ..., high: int = ...
) -> int | None: ...
def whole_number(
    value: object, name: str, default: int | None = None, *, low: int = -MAX_ID, high: int = MAX_ID
) -> int | None:
    """A whole number from low to high (by default anything an id or an amount column holds;
    the service applies its own, tighter bound and says so)."""
    if value is None or str(value).strip() == "":
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number, got {str(value)[:40]!r}") from None
    if not low <= number <= high:
        raise InvalidInput(f"{name} must be from {low} to {high}")
    return number


def required_number(value: object, name: str, *, low: int = -MAX_ID, high: int = MAX_ID) -> int:
    """A whole number the form must carry: a missing one is an InvalidInput naming the field."""
    number = whole_number(value, name, low=low, high=high)
    if number is None:
        raise InvalidInput(f"{name} is required")
    return number


def form_text(form: Mapping[str, object], key: str, kind: Any, name: str | None = None) -> str:
    """A text field read through one of web/types.py's text types (Name, Reason, Note ...)."""
    adapter = _ADAPTERS.get(id(kind))
    if adapter is None:
        adapter = _ADAPTERS[id(kind)] = TypeAdapter(kind)
    try:
        return adapter.validate_python(str(form.get(key) or ""))
    except ValidationError as exc:
        raise InvalidInput(f"{name or key}: {field_message(exc.errors()[0])}") from None


def form_day(value: object, name: str) -> date:
    """A calendar day from a date input (YYYY-MM-DD)."""
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise InvalidInput(
            f"{name} must be a day written YYYY-MM-DD, got {str(value or '')[:20]!r}"
        ) from None


def local_path(value: object, default: str) -> str:
    """A redirect target from a form, only if it stays on this site (no open redirects)."""
    target = str(value or "")
    # "//host" and "/\\host" leave the site (browsers read a backslash as a slash); so may control
    # characters a browser strips before it reads the path.
    leaves = target.startswith(("//", "/\\")) or any(ch in target for ch in "\\\r\n\t")
    return target if target.startswith("/") and not leaves else default


YUAN_REQUIRED = "merchant.yuan.required"
YUAN_NEGATIVE = "merchant.yuan.negative"
YUAN_DECIMALS = "merchant.yuan.decimals"
YUAN_TOO_LARGE = "merchant.yuan.too_large"
YUAN_INVALID = "merchant.yuan.invalid"
_YUAN_SIGNS = ("¥", "￥")


def yuan_field(value: object, name: str, *, high: int = MAX_PRICE_FEN, **where: object) -> int:
    """An amount a merchant typed in yuan ('19.90', '19.9', '¥19.90') in fen, exactly (Decimal via
    kernel.money.parse_yuan, never a float). A positive amount up to `high` fen; anything else is
    an InvalidInput whose `msgid` (merchant.yuan.*) the page shows translated; `where` (e.g. the
    SKU row `n`) is carried along for the page to say which field."""
    text = str(value or "").strip()
    for sign in _YUAN_SIGNS:
        text = text.removeprefix(sign).strip()
    if not text:
        raise InvalidInput(f"{name}: an amount in yuan is required", msgid=YUAN_REQUIRED, field=name, **where)
    if text.startswith("-"):
        raise InvalidInput(f"{name}: an amount must be above zero", msgid=YUAN_NEGATIVE, field=name, **where)
    if re.fullmatch(r"[0-9]+\.[0-9]{3,}", text):
        raise InvalidInput(f"{name}: at most two decimals (fen)", msgid=YUAN_DECIMALS, field=name, **where)
    if not re.fullmatch(r"(0|[1-9][0-9]*)(\.[0-9]{1,2})?", text):
        raise InvalidInput(
            f"{name}: not an amount in yuan (like 19.90): {text[:24]!r}",
            msgid=YUAN_INVALID,
            field=name,
            **where,
        )
    try:
        fen = parse_yuan(text) if len(text) <= 16 else high + 1
    except InvalidInput:  # a plain decimal parse_yuan refuses is one past its size limit
        fen = high + 1
    if fen > high:
        raise InvalidInput(
            f"{name}: at most {format_yuan(high)} yuan",
            msgid=YUAN_TOO_LARGE,
            field=name,
            most=format_yuan(high),
            **where,
        )
    if fen == 0:
        raise InvalidInput(f"{name}: an amount must be above zero", msgid=YUAN_NEGATIVE, field=name, **where)
    return fen


PERCENT_INVALID = "finance.percent.invalid"
PERCENT_RANGE = "finance.percent.range"
_PERCENT = re.compile(r"(0|[1-9][0-9]{0,2})(?:\.([0-9]{1,2}))?")


def parse_percent(value: object, name: str) -> int:
    """A rate typed in percent ("0.6", "0.6%", "5") in basis points, exactly: whole
    digits and at most two decimals (1 bp = 0.01 %), from 0 to 100 %; never a float. Anything else
    is an InvalidInput whose `msgid` (finance.percent.*) the page shows translated."""
    text = str(value or "").strip().removesuffix("%").removesuffix("％").strip()
    if text.startswith("-"):
        raise InvalidInput(f"{name}: a rate must be from 0% to 100%", msgid=PERCENT_RANGE, field=name)
    found = _PERCENT.fullmatch(text)
    if found is None:
        raise InvalidInput(
            f"{name}: not a percentage (like 0.6 or 5): {text[:24]!r}", msgid=PERCENT_INVALID, field=name
        )
    whole, decimals = found.group(1), found.group(2) or ""
    bp = int(whole) * 100 + int(decimals.ljust(2, "0"))
    if bp > 10_000:
        raise InvalidInput(f"{name}: a rate must be from 0% to 100%", msgid=PERCENT_RANGE, field=name)
    return bp


def optional_percent(value: object, name: str) -> int | None:
    """parse_percent, or None for an empty field."""
    return None if str(value or "").strip() == "" else parse_percent(value, name)
