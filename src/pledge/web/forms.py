"""Small readers for HTML form fields, shared by the pages: a bad field is an InvalidInput
with the field's name, never a 500. Numbers are bounded like the API's (web/types.py) and text
fields are read through the API's own text types, so a page accepts what the API accepts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, overload

from pydantic import TypeAdapter, ValidationError

from pledge.kernel.errors import InvalidInput
from pledge.kernel.limits import MAX_ID
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


def local_path(value: object, default: str) -> str:
    """A redirect target from a form, only if it stays on this site (no open redirects)."""
    target = str(value or "")
    return target if target.startswith("/") and not target.startswith("//") else default
