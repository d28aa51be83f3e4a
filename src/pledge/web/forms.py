"""Small readers for HTML form fields, shared by the pages: a bad field is an InvalidInput
with the field's name, never a 500."""
from __future__ import annotations

from pledge.kernel.errors import InvalidInput


def whole_number(value: object, name: str, default: int | None = None) -> int | None:
    if value is None or str(value).strip() == "":
        return default
    try:
        return int(str(value).strip())
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number, got {value!r}") from None


def local_path(value: object, default: str) -> str:
    """A redirect target from a form, only if it stays on this site (no open redirects)."""
    target = str(value or "")
    return target if target.startswith("/") and not target.startswith("//") else default
