"""Big tables as files (issue 20's open data): an Arrow batch reader written as CSV or
Parquet a batch at a time into a temporary file, and that file sent a chunk at a time,
so a month of a city's traffic readings is never held in memory whole."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

UTC_SECOND = "%Y-%m-%dT%H:%M:%SZ"  # a time as CSV and the open data write it
CHUNK = 1 << 20  # bytes sent at a time


class Spool:
    """A body written to a temporary file (gone once closed), sent a chunk at a time:
    the web server calls `close` when the answer is sent or the client went away."""

    def __init__(self):
        self.file = tempfile.TemporaryFile()

    def __len__(self) -> int:
        return self.file.seek(0, io.SEEK_END)

    def __iter__(self) -> Iterator[bytes]:
        self.file.seek(0)
        while chunk := self.file.read(CHUNK):
            yield chunk

    def close(self) -> None:
        self.file.close()


def _times_as_text(batch: pa.RecordBatch) -> pa.RecordBatch:
    """`batch` with its times as UTC ISO 8601 to the second."""
    columns = []
    for column, field in zip(batch.columns, batch.schema, strict=True):
        if pa.types.is_timestamp(field.type):
            seconds = column.cast(pa.timestamp("s", tz="UTC"), safe=False)
            column = pc.strftime(seconds, format=UTC_SECOND)
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def write_csv(batches: pa.RecordBatchReader, out) -> None:
    """CSV with times as UTC ISO 8601 (to the second), a batch at a time."""
    out.write((",".join(batches.schema.names) + "\n").encode())  # plain names: no quotes
    options = pa_csv.WriteOptions(include_header=False)
    for batch in batches:
        pa_csv.write_csv(_times_as_text(batch), out, options)


def write_parquet(batches: pa.RecordBatchReader, out, schema: pa.Schema) -> None:
    """Zstd Parquet of `schema` (the batches', with its key-value metadata), a batch (a
    row group) at a time."""
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        for batch in batches:
            writer.write_batch(batch)
