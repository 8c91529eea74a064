"""File and open-data export connectors: CSV, GeoJSON and Parquet, from a path or a URL.

A city's export rarely speaks C3's names, so the connector is driven by a declared
mapping (`columns`: C3 field -> source column) plus the export's habits: a time format
such as `12/31/2017 11:59:58 PM`, times without an offset in a named zone, numbers
delivered as strings, `-1` meaning "no data", speeds in mph, and road links given as a
list of points. Each run reads the whole file (exports are snapshots); the upsert makes
a re-read change nothing, so the ledger shows it as unchanged.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import requests
from pyproj import Geod
from shapely.geometry import LineString

from analytics.traffic import reading_measures
from connectors.base import Connector, Rejected, Row, Window, parse_coordinate
from connectors.http import FeedError
from store.ledger import append_applied_status_events
from store.queries import segment_lengths

BATCH_ROWS = 10_000
MPH = 1.609344
GEOD = Geod(ellps="WGS84")

# C3 field -> how its value is read. Required fields first in each domain's tuple.
FIELD_KINDS = {
    "complaints": {
        "request_id": "text",
        "requested_at": "time",
        "lon": "float",
        "lat": "float",
        "status": "text",
        "status_notes": "text",
        "service_code": "text",
        "service_name": "text",
        "description": "text",
        "agency_responsible": "text",
        "updated_at": "time",
        "expected_at": "time",
        "address": "text",
        "zipcode": "text",
        "media_url": "text",
    },
    "waste": {
        "container_id": "text",
        "observed_at": "time",
        "fill_level": "float",
        "fill_percent": "float",
        "temperature_c": "float",
        "status": "text",
        "lon": "float",
        "lat": "float",
        "waste_type": "text",
        "capacity_l": "float",
        "address": "text",
        "collected_at": "time",
    },
    "traffic": {
        "segment_id": "text",
        "observed_at": "time",
        "speed": "float",
        "travel_time_s": "float",
        "intensity": "float",
        "occupancy": "float",
        "congested": "bool",
        "name": "text",
        "line": "line",
        "freeflow_kmh": "float",
    },
}
REQUIRED = {
    "complaints": ("request_id", "requested_at", "status"),
    "waste": ("container_id", "observed_at"),
    "traffic": ("segment_id", "observed_at", "speed"),
}
PRIMARY_TABLE = {
    "complaints": "service_requests",
    "waste": "waste_readings",
    "traffic": "traffic_readings",
}
INVALID_ROW = "_c3_invalid_row"  # a CSV line the parser could not split into the header's columns
TRUE_WORDS = {"true", "t", "yes", "y", "1"}
FALSE_WORDS = {"false", "f", "no", "n", "0"}


def parse_points(value: object) -> list[tuple[float, float]]:
    """Line geometry as (lon, lat) points, from what exports deliver.

    - text `"lat,lon lat,lon …"` (NYC DOT's `link_points`; a truncated last point is dropped),
    - a GeoJSON LineString, or a JSON list of [lon, lat] pairs (GeoJSON's order).
    """
    if isinstance(value, dict):
        value = value.get("coordinates") if value.get("type") == "LineString" else None
    if isinstance(value, str):
        points = []
        for pair in value.split():
            lat, _, lon = pair.partition(",")
            try:
                points.append(parse_coordinate(lon, lat))
            except Rejected:
                continue  # a half-written point at the end of a truncated field
        return points
    if isinstance(value, list):
        return [parse_coordinate(p[0], p[1]) for p in value if isinstance(p, list | tuple)]
    return []


def _no_data_values(values: list[str]) -> tuple[set[str], set[float]]:
    """The texts, and the numbers among them (a Parquet -1.0 is the text "-1" too)."""
    texts, numbers = {v.strip() for v in values}, set()
    for text in texts:
        try:
            numbers.add(float(text))
        except ValueError:
            pass
    return texts, numbers


class FileConnector(Connector):
    def __init__(self, settings, city_tz):
        super().__init__(settings, city_tz)
        domain = settings.domain
        kinds = FIELD_KINDS[domain]
        unknown = sorted(set(settings.columns) - set(kinds))
        if unknown:
            raise ValueError(
                f"{settings.name}: {', '.join(unknown)} not C3 fields of {domain}; "
                f"mappable: {', '.join(kinds)}"
            )
        missing = sorted(set(REQUIRED[domain]) - set(settings.columns))
        if missing:
            raise ValueError(f"{settings.name}: the mapping needs {', '.join(missing)}")
        self.domain = domain
        self.primary_table = PRIMARY_TABLE[domain]
        self.format = settings.file_format or self._format_from_suffix(settings.url)
        self.source_tz = ZoneInfo(settings.source_timezone) if settings.source_timezone else None
        self._no_data = {
            field: _no_data_values([*settings.no_data, *settings.no_data_by_field.get(field, [])])
            for field in settings.columns
        }
        self._fields = [(field, source, kinds[field]) for field, source in settings.columns.items()]
        self._segments: dict[str, tuple[float, float | None]] = {}
        self._containers: set[str] = set()

    @staticmethod
    def _format_from_suffix(url: str) -> str:
        suffix = Path(url.split("?", 1)[0]).suffix.lower()
        found = {".csv": "csv", ".geojson": "geojson", ".json": "geojson", ".parquet": "parquet"}
        if suffix not in found:
            raise ValueError(f"cannot tell the format of {url!r}: set file_format")
        return found[suffix]

    def prepare(self, cur: duckdb.DuckDBPyConnection) -> None:
        super().prepare(cur)
        if self.domain == "traffic":
            self._segments = segment_lengths(cur)
        elif self.domain == "waste":
            self._containers = {
                r[0] for r in cur.execute("SELECT container_id FROM waste_containers").fetchall()
            }

    def window(self, watermark: datetime | None, now: datetime) -> Window:
        """An export is a snapshot: every run reads all of it."""
        return Window(watermark or now, now, backfill=watermark is None)

    # -- reading --------------------------------------------------------------------------
    def fetch(self, http: requests.Session, window: Window) -> Iterator[list[dict]]:
        columns = sorted({src for _, src, _ in self._fields})
        with self._open(http) as source:  # closed after the run, not left to the collector
            if self.format == "geojson":
                yield from self._geojson(source)
            elif self.format == "parquet":
                reader = pq.ParquetFile(source)
                self._check_columns(reader.schema_arrow.names, columns)
                for batch in reader.iter_batches(batch_size=BATCH_ROWS, columns=columns):
                    yield batch.to_pylist()
            else:
                yield from self._csv(source, columns)

    def _csv(self, source, columns: list[str]) -> Iterator[list[dict]]:
        """Batches of rows; a line that does not split into the header's columns is passed
        on as an invalid row (quarantined with its text), not a failed file."""
        self._check_columns(self._csv_header(source), columns)
        invalid: list[dict] = []

        def keep_invalid(row) -> str:
            invalid.append({INVALID_ROW: row.text, "line": row.number,
                            "reason": f"{row.actual_columns} columns where the header has "
                                      f"{row.expected_columns}"})  # fmt: skip
            return "skip"

        try:
            batches = pa_csv.open_csv(
                source,
                read_options=pa_csv.ReadOptions(
                    block_size=4 << 20, encoding=self.settings.encoding
                ),
                parse_options=pa_csv.ParseOptions(
                    newlines_in_values=True, invalid_row_handler=keep_invalid
                ),
                convert_options=pa_csv.ConvertOptions(
                    include_columns=columns,
                    column_types=dict.fromkeys(columns, pa.string()),
                    strings_can_be_null=False,
                ),
            )
            for batch in batches:
                yield batch.to_pylist() + invalid
                invalid.clear()
        except pa.ArrowInvalid as exc:
            raise FeedError(f"CSV unreadable ({exc}); is `encoding` right?") from None
        if invalid:
            yield invalid

    def _open(self, http: requests.Session) -> BinaryIO:
        """The export as a binary file: a local path, or the bytes behind an http(s) URL
        (fetched with the session's retries)."""
        url = self.settings.url
        if not url.startswith(("http://", "https://")):
            path = Path(url).expanduser()
            if not path.is_file():
                raise FeedError(f"no file at {path}")
            return path.open("rb")
        response = http.get(url, timeout=self.settings.timeout_s)
        response.raise_for_status()
        if "html" in response.headers.get("Content-Type", ""):
            raise FeedError(f"{url} answered an HTML page, not a {self.format} file")
        return io.BytesIO(response.content)

    def _csv_header(self, source) -> list[str]:
        first = source.readline().decode(self.settings.encoding, errors="replace").lstrip("\ufeff")
        source.seek(0)
        try:
            reader = pa_csv.read_csv(io.BytesIO(first.encode()))
        except pa.ArrowInvalid as exc:
            raise FeedError(f"not a CSV file: {exc}") from None
        return reader.column_names

    def _check_columns(self, present: list[str], wanted: list[str]) -> None:
        missing = [c for c in wanted if c not in present]
        if missing:
            raise FeedError(
                f"column(s) {', '.join(missing)} named in the mapping are not in the file; "
                f"it has: {', '.join(present[:40])}"
            )

    def _geojson(self, source) -> Iterator[list[dict]]:
        try:
            document = json.load(source)
        except ValueError as exc:
            raise FeedError(f"not GeoJSON: {exc}") from None
        if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
            raise FeedError("GeoJSON file is not a FeatureCollection")
        features = document.get("features") or []
        records = []
        for feature in features:
            record = dict(feature.get("properties") or {}) if isinstance(feature, dict) else {}
            record["geometry"] = feature.get("geometry") if isinstance(feature, dict) else None
            records.append(record)
        names = {name for record in records[:1000] for name in record}
        self._check_columns(sorted(names), sorted({s for _, s, _ in self._fields} - {"geometry"}))
        for i in range(0, len(records), BATCH_ROWS):
            yield records[i : i + BATCH_ROWS]

    # -- one record -----------------------------------------------------------------------
    def normalize(self, record: dict) -> dict[str, Row]:
        if INVALID_ROW in record:
            raise Rejected(f"unreadable CSV line: {record['reason']}")
        values = {
            field: self._value(record.get(source), field, kind)
            for field, source, kind in self._fields
        }
        if self.format == "geojson":
            self._from_geometry(record.get("geometry"), values)
        for field in REQUIRED[self.domain]:
            if values.get(field) is None:
                raise Rejected(f"missing {field} (column {self.settings.columns[field]!r})")
        return getattr(self, f"_{self.domain}")(values)

    def _value(self, raw: object, field: str, kind: str) -> object:
        if raw is None:
            return None
        texts, numbers = self._no_data[field]
        if isinstance(raw, str):
            raw = raw.strip()
            if raw in texts:
                return None
        elif isinstance(raw, int | float) and not isinstance(raw, bool) and raw in numbers:
            return None
        if kind == "text":
            return str(raw)
        if kind == "float":
            try:
                return float(raw)
            except (TypeError, ValueError):
                raise Rejected(f"{field} is not a number: {raw!r}") from None
        if kind == "time":
            return self.parse_time(raw, field, False, self.settings.time_format, self.source_tz)
        if kind == "bool":
            word = str(raw).lower()
            if word in TRUE_WORDS or word in FALSE_WORDS:
                return word in TRUE_WORDS
            raise Rejected(f"{field} is not yes/no: {raw!r}")
        return raw  # "line": parsed where the segment needs it

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
        status = self._status(v["status"])
        lon, lat = self._place(v, required=True)
        row = {name: v.get(name) for name in FIELD_KINDS["complaints"]}
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
        lons, lats = zip(*points, strict=True)
        length = float(GEOD.line_length(lons, lats))
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
            append_applied_status_events(cur, self.name, batch_view)
