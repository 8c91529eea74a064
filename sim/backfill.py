"""History for the demo city as Arrow batches, in the store's table shapes.

A real city's history comes from its own historian; the demo's comes straight from the
simulator (14 days of 15-minute readings load in seconds this way). Live data then
arrives through the connectors over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from analytics.traffic import travel_time_and_ratio
from sim.model import DemoCity
from store.schema import TABLES, own_data_schema

SOURCE = "sim-backfill"


def _ts(seconds: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(seconds, dtype="int64") * 1_000_000, pa.timestamp("us", tz="UTC"))


def history_times(start_s: int, end_s: int, step_s: int) -> np.ndarray:
    first = -(-start_s // step_s) * step_s
    return np.arange(first, end_s, step_s, dtype="int64")


def traffic_batches(city: DemoCity, times: np.ndarray, chunk: int = 96) -> Iterator[pa.Table]:
    """traffic_readings rows for every segment at each time, a day (96 slots) per batch."""
    seg = city.segments
    ids = pa.array(seg["segment_id"].to_numpy())
    length, freeflow = seg["length_m"].to_numpy(), seg["freeflow_kmh"].to_numpy()
    for i in range(0, len(times), chunk):
        part = times[i : i + chunk]
        state = city.traffic(part)
        travel, ratio = travel_time_and_ratio(
            length[None, :], freeflow[None, :], state["speed_kmh"]
        )
        n_t, n_s = state["speed_kmh"].shape
        yield pa.table(
            {
                "segment_id": pa.concat_arrays([ids] * n_t) if n_t else ids.slice(0, 0),
                "observed_at": _ts(np.repeat(part, n_s)),
                "speed_kmh": state["speed_kmh"].ravel(),
                "travel_time_s": np.round(travel, 1).ravel(),
                "congestion_ratio": np.round(ratio, 3).ravel(),
                "congested": state["congested"].ravel(),
                "intensity": state["intensity"].ravel(),
                "occupancy": state["occupancy"].ravel(),
                "source": pa.array([SOURCE] * (n_t * n_s)),
            },
            schema=own_data_schema("traffic_readings"),
        )


def waste_batches(city: DemoCity, times: np.ndarray, chunk: int = 96) -> Iterator[pa.Table]:
    """waste_readings rows for every container at each time."""
    ids = pa.array(city.containers["container_id"].to_numpy())
    for i in range(0, len(times), chunk):
        part = times[i : i + chunk]
        state = city.waste(part)
        n_t, n_c = state["fill_level"].shape
        yield pa.table(
            {
                "container_id": pa.concat_arrays([ids] * n_t),
                "observed_at": _ts(np.repeat(part, n_c)),
                "fill_level": state["fill_level"].ravel(),
                "temperature_c": state["temperature_c"].ravel(),
                "status": state["status"].ravel(),
                "source": pa.array([SOURCE] * (n_t * n_c)),
            },
            schema=own_data_schema("waste_readings"),
        )


def collections_batch(city: DemoCity, start_s: int, end_s: int) -> pa.Table:
    frame = city.collections_between(start_s, end_s)
    return pa.table(
        {
            "container_id": frame["container_id"].to_numpy(),
            "collected_at": _ts(frame["collected_at_s"].to_numpy()),
            "vehicle_id": frame["vehicle_id"].to_numpy(),
        },
        schema=TABLES["waste_collections"].schema,
    )


def containers_batch(city: DemoCity) -> pa.Table:
    c = city.containers
    return pa.table(
        {name: c[name].to_numpy() for name in TABLES["waste_containers"].schema.names},
        schema=TABLES["waste_containers"].schema,
    )
