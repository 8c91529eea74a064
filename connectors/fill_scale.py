"""Fill levels on the scale a feed declares, or one inferred from what it has sent.

A fill level of 1 is a full bin as a fraction and an almost empty one as a percentage.
A connector declares its scale (`fill_scale = "fraction" | "percent"`); undeclared, a
value above 1 cannot be a fraction, so it is quarantined with a reason that says to
declare the scale, and the container that sent it is marked as sending percentages:
its later values in 0-1 (in this run, or any later one: the quarantine keeps the
marks) are quarantined as on an unknown scale, rather than read as fractions.
"""

from __future__ import annotations

import duckdb

from connectors.base import Rejected
from store.feed_checks import ids_quarantined_for

NOT_A_FRACTION = "outside 0-1, so not a fraction"  # in the reason: marks the container


class FillScale:
    """Reads one feed's fill levels (the value of `field`) as fractions of full."""

    def __init__(self, declared: str | None, field: str):
        self.declared, self.field = declared, field
        self.percent_ids: set[str] = set()  # undeclared: containers that sent a value > 1

    def prepare(self, cur: duckdb.DuckDBPyConnection, connector: str) -> None:
        """Read which containers this feed has sent values above 1 for (undeclared only)."""
        if self.declared is None:
            self.percent_ids = ids_quarantined_for(cur, connector, NOT_A_FRACTION)

    def level(self, container_id: str, value: float | None) -> float | None:
        """`value` as a fraction of full (None stays unknown); Rejected with the reason."""
        if value is None:
            return None
        field = self.field
        if self.declared == "percent":
            if not 0 <= value <= 100:
                raise Rejected(f"{field} {value:g} outside 0-100 (fill_scale is percent)")
            return value / 100
        if self.declared == "fraction":
            if not 0 <= value <= 1:
                raise Rejected(f"{field} {value:g} outside 0-1 (fill_scale is fraction)")
            return value
        if value < 0:
            raise Rejected(f"{field} {value:g} outside 0-1")
        if value > 1:  # quarantined as ever, the reason saying what to do
            self.percent_ids.add(container_id)
            raise Rejected(
                f"{field} {value:g} {NOT_A_FRACTION}: if this feed sends percentages, "
                'declare fill_scale = "percent" (or "fraction")'
            )
        if value > 0 and container_id in self.percent_ids:  # 0 is empty on either scale
            raise Rejected(
                f"{field} {value:g} on an unknown scale: this container has sent values "
                'above 1 (percentages?); declare fill_scale = "percent" or "fraction"'
            )
        return value
