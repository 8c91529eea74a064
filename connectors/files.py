"""File and open-data export connectors: CSV, GeoJSON and Parquet, from a path or a URL.

A city's export rarely speaks C3's names, so the connector is driven by a declared
mapping (`columns`: C3 field -> source column) plus the export's habits: a time format
such as `12/31/2017 11:59:58 PM`, times without an offset in a named zone, numbers
delivered as strings, `-1` meaning "no data", speeds in mph, and road links given as a
list of points. Each run reads the whole file (exports are snapshots); the upsert makes
a re-read change nothing, so the ledger shows it as unchanged. Times of day (a
`time_format` without a date) are put on the day of a date column, or of a fixed `date`.

This module turns one mapped record into C3's rows; reading the file is
`connectors.file_readers`', and the fields with how their values are read,
`connectors.file_values`'.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import duckdb
import requests
from shapely.geometry import LineString

from analytics.traffic import reading_measures
from connectors.base import Connector, Rejected, Row, Window, parse_coordinate
from connectors.file_readers import INVALID_ROW, format_from_suffix, open_export, read_batches
from connectors.file_values import (
    ANY_DOMAIN,
    FIELD_KINDS,
    PRIMARY_TABLE,
    REQUIRED,
    STATUS_FROM,
    check_link,
    line_length_m,
    no_data_values,
    parse_points,
    read_value,
)
from store.containers import container_ids
from store.ledger import append_applied_status_events
from store.queries import segment_lengths

MPH = 1.609344


class FileConnector(Connector):
    def __init__(self, settings, city_tz):
        super().__init__(settings, city_tz)
        domain = settings.domain
        kinds = {**FIELD_KINDS[domain], **ANY_DOMAIN}
        unknown = sorted(set(settings.columns) - set(kinds))
        if unknown:
            raise ValueError(
                f"{settings.name}: {', '.join(unknown)} not C3 fields of {domain}; "
                f"mappable: {', '.join(kinds)}"
            )
        missing = sorted(set(REQUIRED[domain]) - set(settings.columns))
        if missing:
            raise ValueError(f"{settings.name}: the mapping needs {', '.join(missing)}")
        if domain == "complaints" and not set(STATUS_FROM) & set(settings.columns):
            raise ValueError(f"{settings.name}: the mapping needs {' or '.join(STATUS_FROM)}")
        # a mapped status is required in every record; without one, closed_at tells it
        self._required = REQUIRED[domain] + (("status",) if "status" in settings.columns else ())
        # times of day (a time_format without a date), put on the day of `date`
        self._times_of_day = "date" in settings.columns or settings.date is not None
        self.domain = domain
        self.primary_table = PRIMARY_TABLE[domain]
        self.format = settings.file_format or format_from_suffix(settings.url)
        self.source_tz = ZoneInfo(settings.source_timezone) if settings.source_timezone else None
        self._no_data = {
            field: no_data_values([*settings.no_data, *settings.no_data_by_field.get(field, [])])
            for field in settings.columns
        }
        self._fields = [(field, source, kinds[field]) for field, source in settings.columns.items()]
        self._segments: dict[str, tuple[float, float | None]] = {}
        self._containers: set[str] = set()
        self._closings: dict[str, datetime] = {}  # request -> its closed_at, this run

    def prepare(self, cur: duckdb.DuckDBPyConnection) -> None:
        super().prepare(cur)
        self._closings = {}
        if self.domain == "traffic":
            self._segments = segment_lengths(cur)
        elif self.domain == "waste":
            self._containers = container_ids(cur)

    def window(self, watermark: datetime | None, now: datetime) -> Window:
        """An export is a snapshot: every run reads all of it."""
        return Window(watermark or now, now, backfill=watermark is None)

    # -- reading --------------------------------------------------------------------------
    def fetch(self, http: requests.Session, window: Window) -> Iterator[list[dict]]:
        columns = sorted({src for _, src, _ in self._fields})
        settings = self.settings
        # closed after the run, not left to the collector
        with open_export(settings.url, http, settings.timeout_s, self.format) as source:
            yield from read_batches(source, self.format, columns, settings.encoding)

    # -- one record -----------------------------------------------------------------------
    def normalize(self, record: dict) -> dict[str, Row]:
        if INVALID_ROW in record:
            raise Rejected(f"unreadable CSV line: {record['reason']}")
        values = {
            field: self._value(record.get(source), field, kind)
            for field, source, kind in self._fields
        }
        if self._times_of_day:
            self._on_their_day(values)
        if self.format == "geojson":
            self._from_geometry(record.get("geometry"), values)
        for field in self._required:
            if values.get(field) is None:
                raise Rejected(f"missing {field} (column {self.settings.columns[field]!r})")
        return getattr(self, f"_{self.domain}")(values)

    def _value(self, raw: object, field: str, kind: str) -> object:
        return read_value(raw, field, kind, self._no_data[field], self._parse_time)

    def _parse_time(self, raw: object, field: str) -> datetime | time | date | None:
        if field == "date":
            return self._day(raw)
        if self._times_of_day and not isinstance(raw, datetime):  # a timestamp has its day
            return self._time_of_day(raw, field)
        return self.parse_time(raw, field, False, self.settings.time_format, self.source_tz)

    def _day(self, raw: object) -> date:
        if isinstance(raw, date):  # typed sources (Parquet); a datetime too
            return raw.date() if isinstance(raw, datetime) else raw
        fmt = self.settings.date_format
        try:
            text = str(raw).strip()
            return datetime.strptime(text, fmt).date() if fmt else date.fromisoformat(text)
        except ValueError:
            raise Rejected(f"unparseable date: {raw!r} (expected {fmt or 'YYYY-MM-DD'})") from None

    def _time_of_day(self, raw: object, field: str) -> time:
        if isinstance(raw, time):  # typed sources (Parquet)
            return raw
        fmt = self.settings.time_format
        try:
            text = str(raw).strip()
            return datetime.strptime(text, fmt).timetz() if fmt else time.fromisoformat(text)
        except ValueError:
            raise Rejected(f"unparseable {field}: {raw!r} (expected {fmt or 'HH:MM:SS'})") from None

    def _on_their_day(self, values: dict) -> None:
        """Times of day -> UTC times, on the record's date (or the fixed one)."""
        day = values.get("date") or self.settings.date
        for field, value in values.items():
            if not isinstance(value, time):
                continue
            if day is None:
                raise Rejected(f"missing date (column {self.settings.columns['date']!r})")
            values[field] = self.parse_time(
                datetime.combine(day, value), field, False, None, self.source_tz
            )

    def _from_geometry(self, geometry: object, values: dict) -> None:
        """GeoJSON features carry their place in the geometry, not in a column."""
        if not isinstance(geometry, dict):
            return
        if geometry.get("type") == "Point" and values.get("lon") is None:
            coords = geometry.get("coordinates") or [None, None]
            values["lon"], values["lat"] = coords[0], coords[1]
        elif geometry.get("type") == "LineString" and values.get("line") is None:
            values["line"] = geometry

    def _place(self, values: dict, required: bool) -> tuple[float | None, float | None]:
        if values.get("lon") is None and values.get("lat") is None and not required:
            return None, None
        return parse_coordinate(values.get("lon"), values.get("lat"))

    def _complaints(self, v: dict) -> dict[str, Row]:
        if "status" in self.settings.columns:
            status = self._status(v["status"])
        else:  # an export with a close date and no status
            status = "closed" if v.get("closed_at") is not None else "open"
        lon, lat = self._place(v, required=True)
        if status == "closed" and v.get("closed_at") is not None:
            self._closings[v["request_id"]] = v["closed_at"]  # dates its closing event
        row = {name: v.get(name) for name in FIELD_KINDS["complaints"] if name != "closed_at"}
        row.update(source=self.name, status=status, lon=lon, lat=lat)
        return {"service_requests": row}

    def _status(self, raw: str) -> str:
        declared = self.settings.status_values
        if declared:
            if raw in declared:
                return declared[raw]
            raise Rejected(f"status {raw!r} not in status_values")
        word = raw.lower()
        if word not in ("open", "closed"):
            raise Rejected(f"status {raw!r} is not open or closed (declare status_values)")
        return word

    def _waste(self, v: dict) -> dict[str, Row]:
        fill = v.get("fill_level")
        if fill is None and v.get("fill_percent") is not None:
            fill = v["fill_percent"] / 100
        if fill is not None and not 0 <= fill <= 1:
            raise Rejected(f"fill level {fill} outside 0-1 (use fill_percent for 0-100)")
        container = v["container_id"]
        rows: dict[str, Row] = {}
        lon, lat = self._place(v, required=container not in self._containers)
        if lon is not None:
            self._containers.add(container)
            rows["waste_containers"] = {
                "container_id": container,
                "waste_type": v.get("waste_type"),
                "capacity_l": v.get("capacity_l"),
                "address": v.get("address"),
                "lon": lon,
                "lat": lat,
            }
        rows["waste_readings"] = {
            "container_id": container,
            "observed_at": v["observed_at"],
            "fill_level": fill,
            "temperature_c": v.get("temperature_c"),
            "status": v.get("status"),
            "source": self.name,
        }
        if v.get("collected_at") is not None:
            rows["waste_collections"] = {
                "container_id": container,
                "collected_at": v["collected_at"],
            }
        return rows

    def _crews(self, v: dict) -> dict[str, Row]:
        """A GPS fix of a crew's vehicle (an AVL export): the same row as NGSI's Vehicle."""
        lon, lat = self._place(v, required=True)
        speed = v.get("speed")
        if speed is not None:
            if speed < 0:
                raise Rejected(f"negative speed {speed}")
            speed *= MPH if self.settings.speed_unit == "mph" else 1.0
        heading = v.get("heading")
        if heading is not None and not 0 <= heading <= 360:
            raise Rejected(f"heading is not 0-360 degrees: {heading!r}")
        return {"crew_positions": {
            "crew_id": v["crew_id"], "observed_at": v["observed_at"], "lon": lon, "lat": lat,
            "speed_kmh": speed, "heading": heading, "status": v.get("status"),
            "source": self.name, "extras": None,
        }}  # fmt: skip

    def _traffic(self, v: dict) -> dict[str, Row]:
        segment = v["segment_id"]
        speed = v["speed"] * (MPH if self.settings.speed_unit == "mph" else 1.0)
        if speed < 0:
            raise Rejected(f"negative speed {v['speed']}")
        rows: dict[str, Row] = {}
        if segment not in self._segments:
            rows["road_segments"] = self._new_segment(segment, v)
        length, freeflow = self._segments[segment]
        travel, ratio = reading_measures(length, freeflow, speed)
        if v.get("travel_time_s") is not None:  # the source's own measurement wins
            travel = v["travel_time_s"]
        rows["traffic_readings"] = {
            "segment_id": segment,
            "observed_at": v["observed_at"],
            "speed_kmh": round(speed, 2),
            "travel_time_s": travel,
            "congestion_ratio": ratio,
            "congested": v.get("congested"),
            "intensity": v.get("intensity"),
            "occupancy": v.get("occupancy"),
            "source": self.name,
        }
        return rows

    def _new_segment(self, segment: str, v: dict) -> Row:
        """A road link the city model lacks, drawn from the line the export gives for it."""
        points = parse_points(v.get("line"))
        if len(points) < 2:
            raise Rejected(f"unknown road segment {segment!r} and no line of two or more points")
        check_link(points)
        length = line_length_m(points)
        freeflow = v.get("freeflow_kmh")
        self._segments[segment] = (length, freeflow)
        return {
            "segment_id": segment,
            "name": v.get("name"),
            "length_m": round(length, 1),
            "freeflow_kmh": freeflow,
            "geom": LineString(points).wkb,
        }

    def watermark_of(self, rows: list[Row]) -> datetime | None:
        field = "observed_at" if self.domain != "complaints" else "requested_at"
        times = [r.get("updated_at") or r[field] for r in rows]
        return max(times, default=None)

    def after_upsert(self, cur: duckdb.DuckDBPyConnection, batch_view: str) -> None:
        if self.domain == "complaints":
            append_applied_status_events(cur, self.name, batch_view, self._closings)
