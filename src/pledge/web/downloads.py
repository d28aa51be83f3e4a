"""What pages and the API answer alike: a statement as JSON, CSV or PDF, a PDF shown inline,
the month a statement defaults to, and a time typed in the platform's zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any, overload

from fastapi.responses import Response

from pledge.bootstrap import App
from pledge.kernel.clock import parse_iso
from pledge.kernel.errors import InvalidInput
from pledge.settlement import fees, statements

STATEMENT_FORMATS = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


def pdf(data: bytes, name: str) -> Response:
    """A PDF the browser shows in place (labels, pick lists)."""
    return Response(
        data, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'}
    )


def month_or_current(app: App, month: str | None) -> str:
    """The month asked for, or the current one in the rulebook's zone."""
    return month or fees.month_of(app.clock.now(), app.rulebook.timezone)


def statement_response(
    app: App,
    data: dict[str, Any],
    fmt: str,
    lang: str = "en",
    words: statements.StatementWords = statements.SHOP_WORDS,
    prefix: str = "statement",
) -> dict[str, Any] | Response:
    """The statement as JSON (a dict), or as a CSV (in `lang`: zh_CN or en) / PDF download; a
    creator's statement passes its own words and file-name prefix."""
    if fmt == "json":
        return data
    if fmt not in STATEMENT_FORMATS:
        raise InvalidInput(f"format is json, csv or pdf, not {fmt!r}")
    body = (
        statements.to_csv(data, app.rulebook.timezone, lang, words)
        if fmt == "csv"
        else statements.to_pdf(data, app.rulebook.timezone, words)
    )
    suffix = "-zh" if fmt == "csv" and lang == "zh_CN" else ""
    party_id = data["shop_id"] if "shop_id" in data else data["creator_id"]
    name = f"{prefix}-{party_id}-{data['month']}{suffix}.{fmt}"
    return Response(
        body,
        media_type=STATEMENT_FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@overload
def platform_time(app: App, text: str) -> datetime: ...
@overload
def platform_time(app: App, text: str | None) -> datetime | None: ...
def platform_time(app: App, text: str | None) -> datetime | None:
    """A time as typed (ISO 8601; without an offset it is read in the rulebook's zone)."""
    if text is None:
        return None
    return parse_iso(text, app.rulebook.timezone) if text else None
