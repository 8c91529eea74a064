"""What a report says of a domain with nothing to show at its moment: which readings the
period lacks and, when the store holds older ones, when the newest of them was taken
("no container readings in the 30 minutes before …; newest reading Tue 24 Nov 10:00"),
so a feed that stopped days ago does not read as a city without data."""

from __future__ import annotations

import logging
from datetime import datetime

from analytics.freshness import local_day
from store import reports

log = logging.getLogger(__name__)

NO_DATA = {
    "waste": "no container readings in the 30 minutes before {at}",
    "traffic": "no segment readings in the 30 minutes before {at}",
    "complaints": "no service requests recorded by {at}",
    "feeds": "no feeds configured",
}
PART_DOMAIN = {"containers": "waste", "segments": "traffic"}  # lists of a domain's readings


def newest_note(cur, domain: str, at: datetime, zones: list[str], tz: str) -> str:
    """'; newest reading Tue 24 Nov 10:00' (city time; the year when it is not `at`'s) for
    a readings domain whose newest reading in `zones` is before `at`; '' when none is."""
    if domain not in reports.READINGS:
        return ""
    try:
        newest = reports.newest_reading(cur, domain, at, zones)
    except Exception:  # the note is a courtesy: the report stands without it
        log.exception("newest %s reading could not be read", domain)
        return ""
    return "" if newest is None else f"; newest reading {local_day(newest, tz, at)}"
