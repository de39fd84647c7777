"""The wire form of field values: what goes into the outbox and over HTTP as JSON."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

__all__ = ["to_wire"]


def to_wire(value: Any) -> Any:
    """A JSON-ready form of a column value: ISO text for dates, slugs for enums."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value
