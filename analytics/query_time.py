"""A time as a public endpoint's query string carries it (Open311's W3C dates, the open
data's windows): ISO 8601, an offset's "+" that the query string turned into a space read
back, a time naming no offset placed in the zone the endpoint says, and one at the
calendar's very ends refused like an unreadable one."""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo

# "…T09:00:00 02:00": a "+02:00" whose "+" an unencoded query string made a space
_SPACED_OFFSET = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


def query_time(text: str, naive: tzinfo) -> datetime:
    """`text` as an aware time (in `naive` when it names no offset); ValueError when it is
    no ISO 8601 time, or one that cannot be moved to UTC (the year 1 at +01:00)."""
    value = datetime.fromisoformat(_SPACED_OFFSET.sub(r"\1+\2", text.strip()))
    value = value if value.tzinfo else value.replace(tzinfo=naive)
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{text!r} is past the calendar's ends") from None
    return value
