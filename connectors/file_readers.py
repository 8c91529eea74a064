"""Reading an open-data export into batches of records, for the file connector.

The export is opened as a binary file (a local path, or the bytes behind an http(s) URL)
and read as CSV, GeoJSON or Parquet. A CSV line that does not split into the header's
columns is passed on as an invalid row (quarantined with its text), not a failed file;
a GeoJSON feature becomes its properties plus its geometry. Every column the mapping
names must be in the file.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import requests

from connectors.http import FeedError

BATCH_ROWS = 10_000
INVALID_ROW = "_c3_invalid_row"  # a CSV line the parser could not split into the header's columns
FORMAT_OF_SUFFIX = {".csv": "csv", ".geojson": "geojson", ".json": "geojson",
                    ".parquet": "parquet"}  # fmt: skip


def format_from_suffix(url: str) -> str:
    """The export's format told by its file name."""
    suffix = Path(url.split("?", 1)[0]).suffix.lower()
    if suffix not in FORMAT_OF_SUFFIX:
        raise ValueError(f"cannot tell the format of {url!r}: set file_format")
    return FORMAT_OF_SUFFIX[suffix]


def open_export(url: str, http: requests.Session, timeout_s: float, file_format: str) -> BinaryIO:
    """The export as a binary file: a local path, or the bytes behind an http(s) URL
    (fetched with the session's retries)."""
    if not url.startswith(("http://", "https://")):
        path = Path(url).expanduser()
        if not path.is_file():
            raise FeedError(f"no file at {path}")
        return path.open("rb")
    response = http.get(url, timeout=timeout_s)
    response.raise_for_status()
    if "html" in response.headers.get("Content-Type", ""):
        raise FeedError(f"{url} answered an HTML page, not a {file_format} file")
    return io.BytesIO(response.content)


def read_batches(
    source: BinaryIO, file_format: str, columns: list[str], encoding: str
) -> Iterator[list[dict]]:
    """Batches of records (source column -> value) of the mapped `columns`."""
    if file_format == "geojson":
        yield from geojson_batches(source, [c for c in columns if c != "geometry"])
    elif file_format == "parquet":
        reader = pq.ParquetFile(source)
        check_columns(reader.schema_arrow.names, columns)
        for batch in reader.iter_batches(batch_size=BATCH_ROWS, columns=columns):
            yield batch.to_pylist()
    else:
        yield from csv_batches(source, columns, encoding)


def csv_batches(source: BinaryIO, columns: list[str], encoding: str) -> Iterator[list[dict]]:
    """Batches of rows; a line that does not split into the header's columns is passed
    on as an invalid row (quarantined with its text), not a failed file."""
    check_columns(csv_header(source, encoding), columns)
    invalid: list[dict] = []

    def keep_invalid(row) -> str:
        invalid.append({INVALID_ROW: row.text, "line": row.number,
                        "reason": f"{row.actual_columns} columns where the header has "
                                  f"{row.expected_columns}"})  # fmt: skip
        return "skip"

    try:
        batches = pa_csv.open_csv(
            source,
            read_options=pa_csv.ReadOptions(block_size=4 << 20, encoding=encoding),
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


def csv_header(source: BinaryIO, encoding: str) -> list[str]:
    """The column names of a CSV file's first line (the file is left at its start)."""
    first = source.readline().decode(encoding, errors="replace").lstrip("\ufeff")
    source.seek(0)
    try:
        reader = pa_csv.read_csv(io.BytesIO(first.encode()))
    except pa.ArrowInvalid as exc:
        raise FeedError(f"not a CSV file: {exc}") from None
    return reader.column_names


def check_columns(present: list[str], wanted: list[str]) -> None:
    """Fail the run when a column the mapping names is not in the file."""
    missing = [c for c in wanted if c not in present]
    if missing:
        raise FeedError(
            f"column(s) {', '.join(missing)} named in the mapping are not in the file; "
            f"it has: {', '.join(present[:40])}"
        )


def geojson_batches(source: BinaryIO, columns: list[str]) -> Iterator[list[dict]]:
    """Batches of records: each feature's properties, plus its `geometry`."""
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
    check_columns(sorted(names), columns)
    for i in range(0, len(records), BATCH_ROWS):
        yield records[i : i + BATCH_ROWS]
