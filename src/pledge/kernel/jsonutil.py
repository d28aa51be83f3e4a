"""JSON for recorded rule inputs: datetimes as ISO-8601, nothing lossy."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any


def _default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


# One encoder for every call: json.dumps with these options would build a new one each time,
# which cost more than the encoding itself for the small dicts a sweep records per order.
_ENCODER = json.JSONEncoder(default=_default, ensure_ascii=False, sort_keys=True)


def dumps(value: Any) -> str:
    return _ENCODER.encode(value)


def loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)
