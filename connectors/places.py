"""Whether a record's place is in the city: the check every connector's points pass.

A point outside the city model's extent (plus the connector's `city_margin_km`) would
land with no zone and count in the city's figures; with latitude and longitude swapped
it lands in the sea. So a point outside is quarantined, unless it falls inside once
swapped: then it is stored swapped back, and the run's warnings count such records.
A store without a city model checks nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb

from geo.geometry import metres_per_degree
from store.feed_checks import city_extent

Row = dict[str, object]
SWAPPED_WARNING = "with latitude and longitude swapped: stored swapped back"


@dataclass(frozen=True)
class CityArea:
    """The city model's extent, (west, south, east, north) in degrees, and the margin
    around it within which a point still counts as in the city."""

    west: float
    south: float
    east: float
    north: float
    margin_km: float

    @classmethod
    def load(cls, cur: duckdb.DuckDBPyConnection, margin_km: float) -> CityArea | None:
        extent = city_extent(cur)
        return None if extent is None else cls(*extent, margin_km)

    def km_outside(self, lon: float, lat: float) -> float:
        """How far (lon, lat) lies outside the extent, in km (0 inside)."""
        per_lon, per_lat = metres_per_degree((self.south + self.north) / 2)
        dx = max(self.west - lon, 0.0, lon - self.east) * per_lon
        dy = max(self.south - lat, 0.0, lat - self.north) * per_lat
        return math.hypot(dx, dy) / 1000

    def holds(self, lon: float, lat: float) -> bool:
        return self.km_outside(lon, lat) <= self.margin_km

    def settle(self, rows: dict[str, Row]) -> tuple[bool, str | None]:
        """Check the points of one record's rows: (swapped back, None), or (False, the
        reason to quarantine it). Rows are changed in place when swapped."""
        swapped = False
        for row in rows.values():
            lon, lat = row.get("lon"), row.get("lat")
            if not isinstance(lon, int | float) or not isinstance(lat, int | float):
                continue
            if self.holds(lon, lat):
                continue
            if self.holds(lat, lon):
                row["lon"], row["lat"] = lat, lon
                swapped = True
                continue
            return False, (
                f"lon={lon} lat={lat} is {self.km_outside(lon, lat):,.0f} km outside the city "
                f"(more than city_margin_km = {self.margin_km:g} beyond its extent), "
                "with latitude and longitude either way round"
            )
        return swapped, None


def swapped_warning(count: int) -> str:
    records = "1 record" if count == 1 else f"{count:,} records"
    return f"{records} {SWAPPED_WARNING}"
