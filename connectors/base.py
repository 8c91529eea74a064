"""What every connector is: a name, a domain, a window, fetch() and normalize().

`connectors.runner` does the rest the same way for all of them.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import duckdb
import requests

from config import ConnectorSettings
from connectors.places import SWAPPED_WARNING, CityArea, swapped_warning

Row = dict[str, object]


@dataclass(frozen=True)
class Window:
    """What one run asks the feed for: [start, end], and whether it is the first pull."""

    start: datetime
    end: datetime
    backfill: bool


EXTRAS_WARNING = "new attributes, kept in the extras column: "


class Rejected(ValueError):
    """A record that fails validation; the message is the reason kept in quarantine."""


class Connector(ABC):
    domain: str
    primary_table: str  # one row per accepted record: the ledger counts this table

    def __init__(self, settings: ConnectorSettings, city_tz: str):
        self.settings = settings
        self.name = settings.name
        self.tz = ZoneInfo(city_tz)
        self.warnings: list[str] = []
        self._extra_names: set[str] = set()
        self.area: CityArea | None = None  # the city's extent, read by prepare()
        self._swapped = 0

    def prepare(self, cur: duckdb.DuckDBPyConnection) -> None:
        """Read what normalize() needs from the store (called before each run)."""
        self.warnings = []
        self._extra_names = set()
        self.area = CityArea.load(cur, self.settings.city_margin_km)
        self._swapped = 0

    def window(self, watermark: datetime | None, now: datetime) -> Window:
        """The time window this run asks the feed for (re-reading a little before the watermark)."""
        if watermark is None:
            return Window(now - timedelta(days=self.settings.backfill_days), now, backfill=True)
        start = min(watermark, now) - timedelta(minutes=self.settings.lookback_minutes)
        return Window(start, now, backfill=False)

    @abstractmethod
    def fetch(self, http: requests.Session, window: Window) -> Iterator[list[dict]]:
        """Yield the feed's raw records, a page at a time."""

    @abstractmethod
    def normalize(self, record: dict) -> dict[str, Row]:
        """One raw record -> a row per table; raise Rejected(reason) for a bad record."""

    def watermark_of(self, rows: list[Row]) -> datetime | None:
        """The cursor to keep after these primary-table rows are committed."""
        return None

    def after_upsert(self, cur: duckdb.DuckDBPyConnection, batch_view: str) -> None:  # noqa: B027
        """Extra writes in the same transaction (e.g. status events); none by default."""

    def place_in_city(self, rows: dict[str, Row]) -> None:
        """Check a normalized record's points against the city (connectors.places): raise
        Rejected for one outside it; one with latitude and longitude swapped is swapped
        back in `rows`, and counted in the run's warnings."""
        if self.area is None:
            return
        swapped, reason = self.area.settle(rows)
        if reason is not None:
            raise Rejected(reason)
        if swapped:
            self._swapped += 1
            self.warnings[:] = [w for w in self.warnings if not w.endswith(SWAPPED_WARNING)]
            self.warnings.append(swapped_warning(self._swapped))

    def warn_once(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def extras(
        self, record: dict, known: Collection[str], modelled: Collection[str] = ()
    ) -> str | None:
        """The record's attributes C3 has no column for, as JSON for the `extras` column.

        Schema drift must not lose data or fail the batch: an attribute outside `known`
        is kept with its record. One the feed's data model defines (`modelled`: C3 just
        does not use it) is kept quietly; any other is new, and named in the run's
        warnings, so /feeds shows that the feed changed.
        """
        extra = {k: v for k, v in record.items() if k not in known}
        if not extra:
            return None
        new = {name for name in extra if name not in modelled}
        if not self._extra_names.issuperset(new):
            self._extra_names.update(new)
            self.warnings[:] = [w for w in self.warnings if not w.startswith(EXTRAS_WARNING)]
            self.warnings.append(EXTRAS_WARNING + ", ".join(sorted(self._extra_names)))
        return json.dumps(extra, default=str, ensure_ascii=False, sort_keys=True)

    # -- shared parsing -------------------------------------------------------------------
    def parse_time(
        self,
        value: object,
        field: str,
        required: bool = True,
        fmt: str | None = None,
        zone: ZoneInfo | None = None,
    ) -> datetime | None:
        """ISO 8601 (or `fmt`, strptime codes) -> aware UTC datetime. A time without an
        offset is in `zone` when the source declares one, else in the city's time zone,
        with a warning in the run record."""
        if value is None or value == "":
            if required:
                raise Rejected(f"missing {field}")
            return None
        if isinstance(value, datetime):  # typed sources (Parquet)
            parsed = value
        else:
            try:
                text = str(value).strip()
                parsed = (
                    _strptime(text, fmt)
                    if fmt
                    else datetime.fromisoformat(text.replace("Z", "+00:00"))
                )
            except ValueError:
                expected = f" (expected {fmt})" if fmt else ""
                raise Rejected(f"unparseable {field}: {value!r}{expected}") from None
        if parsed.tzinfo is None:
            if zone is None:
                self.warn_once(f"{field} without UTC offset; read as {self.tz.key} local time")
            parsed = parsed.replace(tzinfo=zone or self.tz)
        return parsed.astimezone(UTC)


@lru_cache(maxsize=65_536)
def _strptime(text: str, fmt: str) -> datetime:
    # Exports repeat their timestamps (every link of a traffic file shares one `data_as_of`).
    return datetime.strptime(text, fmt)


def parse_coordinate(lon: object, lat: object) -> tuple[float, float]:
    """Validated (lon, lat) in WGS84 degrees."""
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        raise Rejected(f"missing or non-numeric coordinates: lon={lon!r} lat={lat!r}") from None
    if not (-180 <= x <= 180 and -90 <= y <= 90) or (x == 0 and y == 0):
        raise Rejected(f"coordinates out of range: lon={x} lat={y}")
    return x, y


def optional_text(value: object, field: str) -> str | None:
    """A string field; numbers become strings (ids, zip codes), other types are rejected."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and value == value:
        return str(value)
    raise Rejected(f"{field} is not text: {value!r}")


def optional_float(value: object, field: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise Rejected(f"{field} is a boolean, expected a number")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise Rejected(f"{field} is not a number: {value!r}") from None
